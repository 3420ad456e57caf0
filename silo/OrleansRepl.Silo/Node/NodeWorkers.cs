using OrleansRepl.Grains.Topology;
using OrleansRepl.Silo.Workers;

namespace OrleansRepl.Silo.Node;

/// <summary>
/// This node's workers as its node grain reaches them (an Orleans observer the supervisor attaches): the live
/// store's status, a topology to apply now, an anti-entropy cycle to start, directives to read again. Each answer
/// comes from memory and the open store; none calls a grain.
/// </summary>
internal sealed class NodeWorkers(LocalNode node, ReplicationSupervisor supervisor, string replicationAddress, string apiUrl) : INodeWorkers
{
    public async Task<NodeStatus> GetStatusAsync()
    {
        var topology = node.Topology;
        if (node.Store is not { } store)
        {
            return new NodeStatus(node.NodeId, replicationAddress, apiUrl, 0, topology?.Epoch ?? 0, null, null, [], node.State);
        }

        var shards = Enumerable.Range(0, store.ShardCount).Select(s =>
        {
            var leader = topology is not null && s < topology.Leaders.Count ? topology.Leaders[s] : null;
            var role = leader is null ? "idle" : leader == node.NodeId ? "leader" : "follower";
            // Arrays, not collection expressions: a grain call carries the concrete type, and Orleans has codecs for arrays.
            var durable = role == "leader" && topology is not null
                ? node.Replicas.Of(s, topology.Epoch).OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => new FollowerDurable(f.Key, f.Value, store.BytesAfter(s, f.Value))).ToArray()
                : null;
            return new NodeShard(s, role, store.NextLsn(s), node.IsWritable(s), supervisor.IsFollowing(s), durable);
        }).ToArray();
        var root = await store.StoreRootAsync();
        var lag = node.Replicas.Lag.Percentiles().Select(l => new FollowerLag(l.Node, l.P50, l.P99, l.Samples)).ToArray();
        return new NodeStatus(node.NodeId, replicationAddress, apiUrl, store.ShardCount, topology?.Epoch ?? 0, root.ToString(), store.MerkleRoot().ToString(), shards, node.State, lag, [.. supervisor.LastAntiEntropyCycles()]);
    }

    public Task TopologyChangedAsync(ReplicaSetTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        if (node.Offer(topology))
        {
            supervisor.Wake();
        }

        return Task.CompletedTask;
    }

    public Task<bool> SyncNowAsync(string peer) => Task.FromResult(supervisor.SyncNow(peer));

    public Task DirectivesChangedAsync()
    {
        supervisor.Wake();
        return Task.CompletedTask;
    }
}
