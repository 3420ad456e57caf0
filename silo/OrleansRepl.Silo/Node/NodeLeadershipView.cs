using OrleansRepl.Placement;

namespace OrleansRepl.Silo.Node;

/// <summary>The shards each node leads, by the topology this silo's node last learned, for placing the replica set grain away from them.</summary>
internal sealed class NodeLeadershipView(LocalNode node) : ILeadershipView
{
    public IReadOnlyDictionary<string, int>? ShardsLed(string replicaSet) =>
        node.Topology is { } topology && topology.ReplicaSet == replicaSet
            ? topology.LeaderCounts()
            : null;
}
