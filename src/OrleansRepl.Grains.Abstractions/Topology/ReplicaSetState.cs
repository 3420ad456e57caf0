namespace OrleansRepl.Grains.Topology;

/// <summary>
/// Durable state of the replica set grain: the epoch, the shard count, the members, each shard's leader, the
/// anti-entropy links, the default write acknowledgement, the leaders' lease length, and the generation of the
/// activation that last took charge of it.
/// </summary>
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

    /// <summary>How long a leader's lease lasts, in milliseconds (0: <see cref="LeaseLength.DefaultMilliseconds"/>).</summary>
    [Id(6)]
    public int LeaseMilliseconds { get; set; }

    /// <summary>The lease length before the last change (0: none): a new activation assumes the longer of the two is still held.</summary>
    [Id(7)]
    public int PreviousLeaseMilliseconds { get; set; }

    /// <summary>
    /// Raised by every activation as it takes charge. An activation that reads back a generation other than its own
    /// has been replaced (another activation of the same grain exists, as can happen briefly in a partition) and grants no lease.
    /// </summary>
    [Id(8)]
    public long Generation { get; set; }

    /// <summary>The last change of leaders (a failover, or a promotion asked for); null before the first.</summary>
    [Id(9)]
    public LeaderChange? LastChange { get; set; }

    /// <summary>The lease length in force.</summary>
    public int EffectiveLeaseMilliseconds => LeaseMilliseconds > 0 ? LeaseMilliseconds : LeaseLength.DefaultMilliseconds;

    /// <summary>A copy to change: the grain's state changes only once the copy is written.</summary>
    public ReplicaSetState Copy() => new()
    {
        Epoch = Epoch, ShardCount = ShardCount, Nodes = [.. Nodes], Leaders = [.. Leaders], Peers = [.. Peers], DefaultAcks = DefaultAcks,
        LeaseMilliseconds = LeaseMilliseconds, PreviousLeaseMilliseconds = PreviousLeaseMilliseconds, Generation = Generation, LastChange = LastChange,
    };
}
