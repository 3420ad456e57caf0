using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Storage;
using OrleansRepl.Silo.Data;

namespace OrleansRepl.Silo.Node;

/// <summary>The node's replication settings, bound from the "Replication" section and validated at start-up.</summary>
public sealed class NodeOptions
{
    public const string Section = "Replication";

    /// <summary>Holds the store (<c>store/</c>), its snapshots and bootstrap work files.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The replica set this node belongs to (the key of its <c>IReplicaSetGrain</c>).</summary>
    public string ReplicaSet { get; set; } = "main";

    /// <summary>Shards of a new store; an existing store keeps its own.</summary>
    public int ShardCount { get; set; } = 4;

    /// <summary>The cluster name every node-to-node handshake checks.</summary>
    public string Cluster { get; set; } = "orepl";

    /// <summary>File holding the node-to-node secret (at least 32 bytes).</summary>
    public string SecretFile { get; set; } = "";

    /// <summary>
    /// "always" (the default: a write is acknowledged once it is on disk, group-committed), "interval" (fsync every
    /// 100 ms: an acknowledged write can be lost to a power failure within that window) or "never".
    /// </summary>
    public string Fsync { get; set; } = "always";

    public long SegmentRollBytes { get; set; } = 64L << 20;

    /// <summary>
    /// How far past this node's clock a replicated or anti-entropy record's timestamp may be; a record beyond it is
    /// refused (naming the peer, the key and the timestamp) so a peer with a wrong clock cannot win every write.
    /// Nodes' clocks are expected to agree far better than this (NTP).
    /// </summary>
    public double MaxClockSkewSeconds { get; set; } = 60;

    /// <summary>A shard whose log could not be written (a full disk, an I/O error) is reopened after this long, doubling up to 30 s.</summary>
    public double ShardReopenSeconds { get; set; } = 1;

    /// <summary>
    /// The largest value a write may carry (the key-value API answers 413 above it). Every record must fit one
    /// replication frame, so <c>Streaming:MaxFrameLength</c> must exceed it with the key and headers.
    /// </summary>
    public int MaxValueBytes { get; set; } = 8 << 20;

    /// <summary>Log streaming, both sides: batches, backpressure, heartbeats, reconnects, the frame cap (section <c>Replication:Streaming</c>).</summary>
    public StreamingOptions Streaming { get; set; } = new();

    /// <summary>The anti-entropy loops' limits and timeouts (section <c>Replication:AntiEntropy</c>); each link's interval is its PeerGrain's.</summary>
    public AntiEntropyOptions AntiEntropy { get; set; } = new();

    /// <summary>A bootstrap's checkpoints, timeouts and attempts (section <c>Replication:Bootstrap</c>).</summary>
    public BootstrapOptions Bootstrap { get; set; } = new();

    /// <summary>How this node serves snapshots: pin lifetime, pins at once, piece size (section <c>Replication:Snapshots</c>).</summary>
    public SnapshotSourceOptions Snapshots { get; set; } = new();

    /// <summary>The key-value API's batch limits (section <c>Replication:KeyValue</c>).</summary>
    public KeyValueApiOptions KeyValue { get; set; } = new();

    /// <summary>How often the topology is read when no change is announced.</summary>
    public double TopologyPollSeconds { get; set; } = 1;

    /// <summary>A follower stopped by a rejection is retried after this long.</summary>
    public double FailedRetrySeconds { get; set; } = 5;

    public string StoreDirectory => Path.Combine(Path.GetFullPath(DataDirectory), "store");

    public FsyncMode FsyncMode => Fsync switch
    {
        "interval" => FsyncMode.Interval,
        "never" => FsyncMode.Never,
        _ => FsyncMode.Always,
    };
}
