namespace OrleansRepl.Grains.Topology;

/// <summary>
/// One node as the control plane reaches it (key <see cref="Keys.NodeKey"/>, on the node's own silo). The node's
/// silo attaches its workers as an <see cref="INodeWorkers"/> observer; this grain is the one way the control plane
/// reaches them: the live store's status, a new topology to apply now, an anti-entropy cycle to start, a directive
/// to read again. Calls made before the workers attach (the silo is starting) fail, naming the node.
/// </summary>
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>The node's silo attaches (again) its workers; the latest attachment wins.</summary>
    Task AttachAsync(INodeWorkers workers);

    Task<NodeStatus> GetStatusAsync();

    /// <summary>Has the workers apply <paramref name="topology"/> now, if it is newer than the one they hold.</summary>
    Task TopologyChangedAsync(ReplicaSetTopology topology);

    /// <summary>Starts an anti-entropy cycle with <paramref name="peer"/> now; refused when the node runs no loop for it.</summary>
    Task SyncNowAsync(string peer);

    /// <summary>A directive for the node changed (a shard paused or resumed, a bootstrap requested or cancelled): the workers read them now.</summary>
    Task DirectivesChangedAsync();
}

/// <summary>
/// A node's workers as its node grain calls them: an Orleans grain observer that the silo creates and attaches.
/// It answers from the live store and the running workers; it never calls a grain back inside these calls.
/// </summary>
public interface INodeWorkers : IGrainObserver
{
    Task<NodeStatus> GetStatusAsync();

    Task TopologyChangedAsync(ReplicaSetTopology topology);

    /// <summary>False when the node runs no anti-entropy loop for <paramref name="peer"/>.</summary>
    Task<bool> SyncNowAsync(string peer);

    Task DirectivesChangedAsync();
}

/// <summary>
/// A node's store and roles. <see cref="StoreRoot"/> and <see cref="SegmentRoot"/> are null while the store is
/// closed (a bootstrap is replacing it). <see cref="ApiUrl"/> is the node's key-value API. <see cref="Lag"/> is, on a
/// leader, each follower's replication lag over the last 10 s. <see cref="AntiEntropy"/> is the last pull from each peer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NodeStatus(string NodeId, string ReplicationAddress, string? ApiUrl, int ShardCount, long Epoch, string? StoreRoot, string? SegmentRoot, IReadOnlyList<NodeShard> Shards, string State, IReadOnlyList<FollowerLag>? Lag = null, IReadOnlyList<AntiEntropyCycle>? AntiEntropy = null);

/// <summary>
/// The last anti-entropy pull this node made from <see cref="Peer"/> since its silo started: segments missing and
/// applied, and what finding them cost (every frame both ways but the segments' own bytes, and round trips).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record AntiEntropyCycle(string Peer, bool InSync, int Missing, int Applied, int Pending, long MetadataBytes, long SegmentBytes, int RoundTrips);

/// <summary>
/// On a leader: how long <see cref="Node"/> took, over the last 10 s, from this leader's commit of a write to its
/// acknowledgement of holding it committed (median and 99th percentile, in milliseconds, over <see cref="Samples"/> commits).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record FollowerLag(string Node, double P50Milliseconds, double P99Milliseconds, int Samples);

/// <summary>
/// One shard of a node: its role in the topology ("leader", "follower", "idle"), the next LSN of its log, whether
/// it takes writes, and whether a follower of it runs (not while paused, fenced or stopped by an error). On its
/// leader, <see cref="Durable"/> is what each follower has acknowledged under the current epoch.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NodeShard(int Shard, string Role, long NextLsn, bool Writable, bool Following, IReadOnlyList<FollowerDurable>? Durable = null);

/// <summary>A follower holds its shard committed through <see cref="Lsn"/>, as it acknowledged to the leader; the leader holds about <see cref="BytesBehind"/> log bytes past it (<c>LogStore.BytesAfter</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record FollowerDurable(string Node, long Lsn, long BytesBehind = 0);
