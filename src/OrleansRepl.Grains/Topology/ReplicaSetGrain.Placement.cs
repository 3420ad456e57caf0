using OrleansRepl.Placement;

namespace OrleansRepl.Grains.Topology;

/// <summary>Where the replica set grain lives: away from the leaders, moving when a change makes its own node lead more.</summary>
public sealed partial class ReplicaSetGrain
{
    /// <summary>
    /// Asks Orleans to move this grain once idle when another active silo's node leads fewer of the shards than this
    /// silo's does (the director chooses again by the same counts, handed over as <see cref="LeadershipHints"/>). Only while
    /// every member has renewed within a lease: after a failover, or while a silo is cut off, a move would wait on a
    /// dying silo's share of the grain directory (tens of seconds, seen in tests), or land where it cannot be
    /// reached; the grain stays where it answers, and the watch asks again at every look. A silo whose node is not a
    /// member counts as leading every shard and one more: it is chosen last.
    /// </summary>
    private void MoveAwayFromLeaders()
    {
        var topology = Current();
        var lease = TimeSpan.FromMilliseconds(topology.LeaseMilliseconds);
        if (topology.Nodes.Any(n => n.NodeId != silo.Name && !_reports.IsLive(n.NodeId, Now, lease)))
        {
            _moveWanted = true; // asked again at the next look
            return;
        }

        _moveWanted = false;
        var shardsLed = topology.LeaderCounts();
        var candidates = LeastLeadingSilo.Active(membership);
        foreach (var (_, node) in candidates)
        {
            if (topology.Node(node) is null)
            {
                shardsLed[node] = topology.ShardCount + 1;
            }
        }

        if (candidates.Count == 0 || LeastLeadingSilo.Choose(candidates, shardsLed, silo.SiloAddress).Equals(silo.SiloAddress))
        {
            return;
        }

        LogMoving(logger, GrainKey, silo.Name, LeastLeadingSilo.Led(silo.Name, shardsLed));
        hints.Hand(GrainKey, shardsLed); // the director, on this silo, chooses by the same counts
        MigrateOnIdle();
    }
}
