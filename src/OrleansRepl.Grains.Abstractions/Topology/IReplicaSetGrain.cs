namespace OrleansRepl.Grains.Topology;

/// <summary>
/// The topology of one replica set (key: its name). The first node added leads every shard at epoch 1; later
/// nodes follow, and every pair of members pulls anti-entropy from each other. <see cref="PromoteAsync"/> makes
/// a member the leader of every shard and raises the epoch: followers re-sync against it, and a stale leader's
/// feeder refuses followers that carry the newer epoch.
/// </summary>
public interface IReplicaSetGrain : IGrainWithStringKey
{
    /// <summary>Adds <paramref name="node"/>, whose store has <paramref name="shardCount"/> shards and whose feeder is at <paramref name="replicationAddress"/>.</summary>
    Task<ReplicaSetTopology> AddNodeAsync(string node, string replicationAddress, int shardCount);

    /// <summary>Removes a node that leads no shard.</summary>
    Task<ReplicaSetTopology> RemoveNodeAsync(string node);

    /// <summary>
    /// Makes <paramref name="node"/> the leader of <paramref name="shards"/> (every shard when null) under a new epoch.
    /// Refused when a shard's leader has reported acknowledging a write (acks of one or more) past what
    /// <paramref name="node"/> has reported holding, or when <paramref name="node"/> has not reported at all while
    /// such writes exist, unless <paramref name="force"/>.
    /// </summary>
    Task<ReplicaSetTopology> PromoteAsync(string node, int[]? shards = null, bool force = false);

    /// <summary>The last change of leaders, automatic or asked for; null before the first.</summary>
    Task<LeaderChange?> GetLastChangeAsync();

    /// <summary>
    /// The name of the silo this grain runs on, which is the node it shares that silo with. Answered by the grain
    /// itself: the grain directory's entry was seen naming a silo the grain had left, long after it moved.
    /// </summary>
    Task<string> GetHostAsync();

    /// <summary>
    /// Sets how many followers a write must reach before it is acknowledged when the write does not say: 0 (the
    /// leader's disk only) up to the members less one. A removal that would leave fewer followers is refused.
    /// </summary>
    Task<ReplicaSetTopology> SetDefaultAcksAsync(int acks);

    /// <summary>
    /// Sets how long a leader's lease lasts (<see cref="LeaseLength.MinMilliseconds"/>..<see cref="LeaseLength.MaxMilliseconds"/>):
    /// the longest a cut-off leader keeps taking writes, and the least a failover waits. Leases granted already keep their length.
    /// </summary>
    Task<ReplicaSetTopology> SetLeaseAsync(int milliseconds);

    /// <summary>
    /// Renews <paramref name="node"/>'s leases on the shards it leads at <paramref name="epoch"/> (none when the epoch
    /// is not the current one), and gives back those it held and no longer leads: the node asks only once its writes
    /// to those have drained. The node counts what it is granted from when it asked.
    /// <para>
    /// Every member renews every third of a lease, leading or not, with its <paramref name="report"/>: a member that
    /// has not renewed for a lease is not live, and a leader that has not, whose lease has lapsed, is failed over.
    /// </para>
    /// </summary>
    Task<LeaseGrant> RenewLeaseAsync(string node, long epoch, NodeReport? report = null);

    /// <summary>Each shard's lease holder and the time it has left, as this grain counts them.</summary>
    Task<ShardLease[]> GetLeasesAsync();

    Task<ReplicaSetTopology> GetTopologyAsync();
}
