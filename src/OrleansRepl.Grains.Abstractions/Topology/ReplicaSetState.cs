namespace OrleansRepl.Grains.Topology;

/// <summary>Durable state of the replica set grain: the epoch, the shard count, the members, each shard's leader, the anti-entropy links and the default write acknowledgement.</summary>
[GenerateSerializer]
public sealed class ReplicaSetState
{
    [Id(0)]
    public long Epoch { get; set; }

    [Id(1)]
    public int ShardCount { get; set; }

    [Id(2)]
    public List<TopologyNode> Nodes { get; set; } = [];

    [Id(3)]
    public List<string> Leaders { get; set; } = [];

    [Id(4)]
    public List<PeerLink> Peers { get; set; } = [];

    /// <summary>Followers a write must reach before it is acknowledged, when the write does not say (0: the leader's disk only).</summary>
    [Id(5)]
    public int DefaultAcks { get; set; }

    /// <summary>A copy to change: the grain's state changes only once the copy is written.</summary>
    public ReplicaSetState Copy() => new() { Epoch = Epoch, ShardCount = ShardCount, Nodes = [.. Nodes], Leaders = [.. Leaders], Peers = [.. Peers], DefaultAcks = DefaultAcks };
}
