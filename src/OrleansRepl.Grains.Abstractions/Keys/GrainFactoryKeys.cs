using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Grains.Keys;

/// <summary>Grain references by their key types: the one way the silo, the client and the CLI name a grain.</summary>
public static class GrainFactoryKeys
{
    public static IShardGrain Shard(this IGrainFactory grains, string node, int shard) =>
        grains.GetGrain<IShardGrain>(new ShardKey(node, shard).ToString());

    public static IPeerGrain Peer(this IGrainFactory grains, string node, string peer) =>
        grains.GetGrain<IPeerGrain>(new PeerKey(node, peer).ToString());

    public static INodeGrain Node(this IGrainFactory grains, string node) =>
        grains.GetGrain<INodeGrain>(new NodeKey(node).ToString());

    public static IBootstrapGrain Bootstrap(this IGrainFactory grains, string node) =>
        grains.GetGrain<IBootstrapGrain>(new BootstrapKey(node).ToString());

    /// <summary>The active nodes as the silo that answers sees them (a client's gateway).</summary>
    public static IMembershipViewGrain MembershipView(this IGrainFactory grains) =>
        grains.GetGrain<IMembershipViewGrain>(0);

    public static IReplicaSetGrain ReplicaSet(this IGrainFactory grains, string name) =>
        grains.GetGrain<IReplicaSetGrain>(name);
}
