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

    /// <summary>Makes <paramref name="node"/> the leader of every shard under a new epoch.</summary>
    Task<ReplicaSetTopology> PromoteAsync(string node);

    /// <summary>
    /// Sets how many followers a write must reach before it is acknowledged when the write does not say: 0 (the
    /// leader's disk only) up to the members less one. A removal that would leave fewer followers is refused.
    /// </summary>
    Task<ReplicaSetTopology> SetDefaultAcksAsync(int acks);

    Task<ReplicaSetTopology> GetTopologyAsync();
}
