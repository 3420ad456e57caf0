namespace OrleansRepl.Grains.Topology;

/// <summary>
/// One node's silo as the control plane reaches it (key <see cref="Keys.NodeKey"/>, so it lives where the node's store is):
/// the store's state, and a prompt to apply a new topology now rather than at the next poll.
/// </summary>
public interface INodeGrain : IGrainWithStringKey
{
    Task<NodeStatus> GetStatusAsync();

    /// <summary>Applies <paramref name="topology"/> if it is newer than the one the node holds.</summary>
    Task TopologyChangedAsync(ReplicaSetTopology topology);
}

/// <summary>
/// A node's store and roles. <see cref="StoreRoot"/> and <see cref="SegmentRoot"/> are null while the store is
/// closed (a bootstrap is replacing it).
/// </summary>
public sealed record NodeStatus(string NodeId, string ReplicationAddress, string? GatewayUrl, int ShardCount, long Epoch, string? StoreRoot, string? SegmentRoot, IReadOnlyList<NodeShard> Shards, string State);

/// <summary>
/// One shard of a node: its role in the topology ("leader", "follower", "idle"), the next LSN of its log, whether
/// it takes writes, and whether a follower of it runs (not while paused, fenced or stopped by an error).
/// </summary>
public sealed record NodeShard(int Shard, string Role, long NextLsn, bool Writable, bool Following);
