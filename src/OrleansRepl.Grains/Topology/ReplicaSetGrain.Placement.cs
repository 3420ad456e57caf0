using OrleansRepl.Placement;

namespace OrleansRepl.Grains.Topology;

/// <summary>Where the replica set grain lives: away from the leaders, moving when a change makes its own node lead more.</summary>
public sealed partial class ReplicaSetGrain
{
    /// <summary>How long a move asked of Orleans may go unanswered (the grain still running here) before it is asked again.</summary>
    private static readonly TimeSpan AskMoveAgainAfter = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Asks Orleans to move this grain once idle when another active silo's node leads fewer of the shards than this
    /// silo's does (the director chooses again by the same counts, handed over as <see cref="LeadershipHints"/>). A
    /// silo whose node is not a member counts as leading every shard and one more: it is chosen last.
    /// <para>
    /// Only while every member has renewed within a lease: after a failover, or while a silo is cut off, a move would
    /// wait on a dying silo's share of the grain directory (tens of seconds, seen in tests), or land where it cannot
    /// be reached; the grain stays where it answers. While a move is wanted, the watch asks again at every look, and
    /// a move Orleans has not carried out within <see cref="AskMoveAgainAfter"/> is asked for again.
    /// </para>
    /// </summary>
    private void MoveAwayFromLeaders()
    {
        var topology = Current();
        var shardsLed = topology.LeaderCounts();
        var candidates = LeastLeadingSilo.Active(membership);
        foreach (var (_, node) in candidates)
        {
            if (topology.Node(node) is null)
            {
                shardsLed[node] = topology.ShardCount + 1;
            }
        }

        var target = candidates.Count == 0 ? null : LeastLeadingSilo.Choose(candidates, shardsLed, silo.SiloAddress);
        if (target is null || target.Equals(silo.SiloAddress))
        {
            (_moveWanted, _moveAskedAt) = (false, null);
            return;
        }

        var lease = TimeSpan.FromMilliseconds(topology.LeaseMilliseconds);
        var silent = topology.Nodes.FirstOrDefault(n => n.NodeId != silo.Name && !_reports.IsLive(n.NodeId, Now, lease));
        if (silent is not null)
        {
            if (!_moveWanted || _moveAskedAt is not null)
            {
                LogMoveWaits(logger, GrainKey, silo.Name, silent.NodeId, (Now - _reports.LastHeard(silent.NodeId)).TotalMilliseconds, lease.TotalMilliseconds);
            }

            (_moveWanted, _moveAskedAt) = (true, null); // asked again at the next look
            return;
        }

        _moveWanted = true;
        if (_moveAskedAt is { } asked && Now - asked < AskMoveAgainAfter)
        {
            return; // asked already; Orleans moves the grain once it is idle
        }

        var targetNode = candidates.First(c => c.Silo.Equals(target)).Node;
        LogMoving(logger, GrainKey, silo.Name, LeastLeadingSilo.Led(silo.Name, shardsLed), targetNode, LeastLeadingSilo.Led(targetNode, shardsLed), _moveAskedAt is not null);
        _moveAskedAt = Now;
        hints.Hand(GrainKey, shardsLed); // the director, on this silo, chooses by the same counts
        MigrateOnIdle();
    }
}
