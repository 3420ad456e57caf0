using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Silo.Workers;

/// <summary>
/// A store that refuses to open because a shard is damaged. The node stays up and says so (node state "damaged",
/// the shard's grain "Damaged" with the reason); its store stays closed, so it serves nothing from the damaged log
/// and never reuses its lost LSNs. It repairs itself from a replica through the bootstrap path, which keeps the
/// damaged store aside: from the shard's leader when another member leads it; when this node leads it, it first
/// steps down in favour of the live member holding the most of that shard, then restores from it.
/// </summary>
public sealed partial class ReplicationSupervisor
{
    private ShardDamagedException? _damage;
    private DateTimeOffset _repairAskedAt;

    /// <summary>Opens the store if it is closed; false when a damaged shard refuses it.</summary>
    private bool TryOpenStore()
    {
        try
        {
            OpenStore();
            _damage = null;
            return true;
        }
        catch (ShardDamagedException e)
        {
            if (_damage?.Message != e.Message)
            {
                LogStoreDamaged(_logger, _node.NodeId, e.Message);
            }

            _damage = e;
            _node.State = "damaged";
            return false;
        }
    }

    private async Task RepairDamageAsync()
    {
        var damage = _damage!;
        var topology = _node.Topology;
        var leader = topology is not null && damage.Shard < topology.Leaders.Count ? topology.Leaders[damage.Shard] : null;
        await _grains.Shard(_node.NodeId, damage.Shard).ReportAsync(new ShardReport("Damaged", leader, 0, 0, 0, damage.Message));
        if (topology is null || leader is null || DateTimeOffset.UtcNow - _repairAskedAt < TimeSpan.FromSeconds(_options.FailedRetrySeconds))
        {
            return; // no topology yet, or a repair was asked for lately: give it time before asking again
        }

        _repairAskedAt = DateTimeOffset.UtcNow;
        if (leader != _node.NodeId)
        {
            await _grains.Bootstrap(_node.NodeId).StartAsync(leader, $"shard {damage.Shard} is damaged: {damage.Message}");
            Wake();
            return;
        }

        if (await MostAdvancedReplicaAsync(topology, damage.Shard) is not { } best)
        {
            LogNoReplica(_logger, _node.NodeId, damage.Shard);
            return;
        }

        LogSteppingDown(_logger, _node.NodeId, damage.Shard, best.Node, best.NextLsn);
        _node.Offer(await _grains.ReplicaSet(_options.ReplicaSet).PromoteAsync(best.Node));
        _repairAskedAt = default; // the next tick restores from the new leader
        Wake();
    }

    /// <summary>The live member, other than this node, whose copy of <paramref name="shard"/> reaches furthest; null when none answers.</summary>
    private async Task<(string Node, long NextLsn)?> MostAdvancedReplicaAsync(ReplicaSetTopology topology, int shard)
    {
        (string Node, long NextLsn)? best = null;
        foreach (var member in topology.Nodes.Where(n => n.NodeId != _node.NodeId))
        {
            try
            {
                var status = await _grains.Node(member.NodeId).GetStatusAsync();
                if (status.Shards.FirstOrDefault(s => s.Shard == shard) is { } copy && copy.NextLsn > (best?.NextLsn ?? 0))
                {
                    best = (member.NodeId, copy.NextLsn);
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A member that does not answer holds nothing this node can restore from now.
            }
        }

        return best;
    }
}
