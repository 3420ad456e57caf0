namespace OrleansRepl.Grains.Topology;

/// <summary>
/// What a node tells the replica set grain with every lease renewal, leader or not: per shard, the last LSN its
/// store holds on disk (<see cref="Lsns"/>; empty while its store is closed), and, for shards it leads, the last LSN
/// it acknowledged to a client that asked for acks of one follower or more (<see cref="Acknowledged"/>). A failover
/// promotes the live follower holding the most, and never one that lacks an acknowledged write unless forced.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record NodeReport(long[] Lsns, long[] Acknowledged)
{
    public static readonly NodeReport None = new([], []);

    /// <summary>The last LSN held of <paramref name="shard"/>, or null when not reported.</summary>
    public long? Lsn(int shard) => shard < Lsns.Length ? Lsns[shard] : null;

    /// <summary>The last LSN of <paramref name="shard"/> acknowledged with acks of one or more (0: none).</summary>
    public long AcknowledgedThrough(int shard) => shard < Acknowledged.Length ? Acknowledged[shard] : 0;
}
