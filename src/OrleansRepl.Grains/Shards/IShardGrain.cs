using OrleansRepl.Core.Replication.Streaming.Follower;

namespace OrleansRepl.Grains.Shards;

/// <summary>
/// One shard as one node follows it (key <c>{node}/{shard}</c>): the follower's durable cursor, its state and
/// last error, and whether an operator paused it.
/// </summary>
public interface IShardGrain : IGrainWithStringKey
{
    Task<FollowerCursor?> LoadCursorAsync();

    /// <summary>Takes the follower's latest cursor; writes are coalesced to at most one per 100 ms.</summary>
    Task SaveCursorAsync(FollowerCursor cursor);

    /// <summary>Writes the latest cursor now, if it is not yet stored (shutdown, pause).</summary>
    Task FlushAsync();

    /// <summary>The follower's worker reports; the answer says whether the shard is paused (the worker then stops its follower).</summary>
    Task<bool> ReportAsync(ShardReport report);

    Task PauseAsync();

    Task ResumeAsync();

    Task<ShardStatus> GetStatusAsync();
}

/// <summary>What a follower says about its shard: its state, its lag, and the last error if any.</summary>
public sealed record ShardReport(string State, string? Leader, long LagRecords, double LagMilliseconds, double RecordsPerSecond, string? LastError);

/// <summary>A shard as the control plane sees it; <see cref="CursorWrites"/> counts the storage writes of its cursor.</summary>
public sealed record ShardStatus(string Key, string State, string? Leader, bool Paused, long LastAppliedLsn, long AppliedTotal, long LagRecords, double LagMilliseconds, double RecordsPerSecond, string? LastError, long CursorWrites);
