using OrleansRepl.Core.Replication.Streaming.Follower;

namespace OrleansRepl.Grains.Shards;

/// <summary>
/// One shard follower's control state (key <see cref="Keys.ShardKey"/>, <c>{node}/{shard}</c>, on its node's silo):
/// the durable cursor, the operator's pause, and the status the node's worker reports.
/// </summary>
public interface IShardGrain : IGrainWithStringKey
{
    Task<FollowerCursor?> LoadCursorAsync();

    /// <summary>Takes the follower's latest cursor; writes are coalesced to at most one per 100 ms.</summary>
    Task SaveCursorAsync(FollowerCursor cursor);

    /// <summary>Writes the latest cursor now, if it is not yet stored (shutdown, pause).</summary>
    Task FlushAsync();

    /// <summary>The node's worker reports how the shard stands; the last error is kept durably.</summary>
    Task ReportAsync(ShardReport report);

    /// <summary>Stops the node's follower of this shard (durably) until <see cref="ResumeAsync"/>.</summary>
    Task PauseAsync();

    Task ResumeAsync();

    Task<ShardStatus> GetStatusAsync();
}

/// <summary>What a node's worker says about its shard: its state, its lag, and the last error if any.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardReport(string State, string? Leader, long LagRecords, double LagMilliseconds, double RecordsPerSecond, string? LastError);

/// <summary>A shard as the control plane sees it; <see cref="CursorWrites"/> counts the storage writes of its state.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardStatus(string Key, string State, string? Leader, bool Paused, long LastAppliedLsn, long AppliedTotal, long LagRecords, double LagMilliseconds, double RecordsPerSecond, string? LastError, long CursorWrites);
