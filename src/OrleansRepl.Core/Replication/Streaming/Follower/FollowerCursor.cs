using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.Streaming.Follower;

/// <summary>A follower's durable progress on one shard.</summary>
public sealed record FollowerCursor(long LastAppliedLsn, long AppliedTotal, RecordVersion MaxVersionSeen, DateTimeOffset LastAckTime);

/// <summary>
/// Where followers keep their cursors. A cursor may lag the store (apply is idempotent by LSN, so nothing
/// is lost); it must never run ahead of it.
/// </summary>
public interface ICursorStore
{
    ValueTask<FollowerCursor?> LoadAsync(int shard, CancellationToken cancellationToken);

    ValueTask SaveAsync(int shard, FollowerCursor cursor, CancellationToken cancellationToken);
}
