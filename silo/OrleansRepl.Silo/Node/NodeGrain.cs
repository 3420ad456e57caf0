using Microsoft.Extensions.Options;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Hosting.Silo;
using OrleansRepl.Silo.Workers;

namespace OrleansRepl.Silo.Node;

/// <summary>The node grain of this silo's node: reads the live store, and hands announced topologies to the supervisor.</summary>
public sealed class NodeGrain(LocalNode node, ReplicationSupervisor supervisor, IOptions<SiloOptions> silo) : Grain, INodeGrain
{
    public async Task<NodeStatus> GetStatusAsync()
    {
        var topology = node.Topology;
        var address = $"{silo.Value.Host}:{silo.Value.ReplicationPort}";
        var gateway = $"http://{silo.Value.Host}:{silo.Value.GatewayPort}/";
        if (node.Store is not { } store)
        {
            return new NodeStatus(node.NodeId, address, gateway, 0, topology?.Epoch ?? 0, null, null, [], node.State);
        }

        var shards = Enumerable.Range(0, store.ShardCount).Select(s =>
        {
            var leader = topology is not null && s < topology.Leaders.Count ? topology.Leaders[s] : null;
            var role = leader is null ? "idle" : leader == node.NodeId ? "leader" : "follower";
            return new NodeShard(s, role, store.NextLsn(s), node.IsWritable(s), supervisor.IsFollowing(s));
        }).ToList();
        var root = await store.StoreRootAsync();
        return new NodeStatus(node.NodeId, address, gateway, store.ShardCount, topology?.Epoch ?? 0, root.ToString(), store.MerkleRoot().ToString(), shards, node.State);
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
}
