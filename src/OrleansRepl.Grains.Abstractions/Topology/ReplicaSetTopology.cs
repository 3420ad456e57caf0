namespace OrleansRepl.Grains.Topology;

/// <summary>
/// A replica set as its <see cref="IReplicaSetGrain"/> declares it: the member nodes, the leader of each shard,
/// the anti-entropy links, the epoch, which every promotion raises, and <see cref="DefaultAcks"/>: how many followers
/// a write must reach before it is acknowledged when the write does not say, and <see cref="LeaseMilliseconds"/>:
/// how long a leader's lease lasts.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ReplicaSetTopology(string ReplicaSet, long Epoch, int ShardCount, IReadOnlyList<TopologyNode> Nodes, IReadOnlyList<string> Leaders, IReadOnlyList<PeerLink> Peers, int DefaultAcks = 0, int LeaseMilliseconds = LeaseLength.DefaultMilliseconds)
{
    public static ReplicaSetTopology Empty(string replicaSet) => new(replicaSet, 0, 0, [], [], []);

    public TopologyNode? Node(string nodeId) => Nodes.FirstOrDefault(n => n.NodeId == nodeId);

    /// <summary>How many shards each node that leads any leads.</summary>
    public Dictionary<string, int> LeaderCounts() => Leaders.GroupBy(l => l, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>The shards <paramref name="nodeId"/> leads.</summary>
    public IReadOnlyList<int> ShardsLedBy(string nodeId) => [.. Enumerable.Range(0, Leaders.Count).Where(s => Leaders[s] == nodeId)];

    /// <summary>The peers <paramref name="nodeId"/> pulls anti-entropy from.</summary>
    public IReadOnlyList<string> PeersOf(string nodeId) => [.. Peers.Where(p => p.Node == nodeId).Select(p => p.Peer)];
}

/// <summary>A member node and where its feeder listens (host:port).</summary>
[GenerateSerializer, Immutable]
public sealed record TopologyNode(string NodeId, string ReplicationAddress);

/// <summary><see cref="Node"/> pulls anti-entropy from <see cref="Peer"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record PeerLink(string Node, string Peer);
