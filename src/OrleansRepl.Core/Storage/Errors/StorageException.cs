namespace OrleansRepl.Core.Storage;

/// <summary>Base of every error the local store raises; each subtype is one meaning.</summary>
public abstract class StorageException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Another process, or an undisposed store of this one, holds the store directory.</summary>
public sealed class StoreLockedException : StorageException
{
    public StoreLockedException(string directory, Exception inner)
        : base($"store directory {directory} is locked by another process (file LOCK); only one process may open a store", inner)
    {
    }

    private StoreLockedException(string message)
        : base(message)
    {
    }

    /// <summary>The store is already open in this process: a store opened before was not disposed.</summary>
    internal static StoreLockedException OpenInThisProcess(string directory) =>
        new($"store directory {directory} is already open in this process; the store opened before must be disposed first");
}

/// <summary>The store was created with another shard count than the one asked for.</summary>
public sealed class ShardCountMismatchException(string directory, int stored, int requested)
    : StorageException($"store {directory} has {stored} shards; it was opened with ShardCount={requested}. The shard count is fixed when a store is created")
{
    public int Stored { get; } = stored;

    public int Requested { get; } = requested;
}

/// <summary>A sealed segment or a manifest does not hold what it must. Never skipped: the store refuses to open.</summary>
public sealed class SegmentCorruptException(string segment, long offset, string reason)
    : StorageException($"segment {segment} is corrupt at byte {offset}: {reason}")
{
    public string Segment { get; } = segment;

    public long Offset { get; } = offset;
}

/// <summary>
/// A shard whose files hold damage, not a torn tail: a record that fails its checksum with whole records after
/// it, more unreadable bytes than one unfinished write, a sealed segment that does not hash to its name, or a
/// file the manifest names that is missing. The shard is not opened and nothing is truncated or rewritten.
/// </summary>
public sealed class ShardDamagedException(int shard, string file, long offset, long lastGoodLsn, long bytesAfter, long recordsAfter, string reason)
    : StorageException($"shard {shard} is damaged: {file} at byte {offset}: {reason}. The last good LSN before it is {lastGoodLsn}; {bytesAfter} bytes holding {recordsAfter} whole records follow it. "
        + "Nothing was changed: restore the shard from a replica, or cut the log at the damage with `orepl store salvage`, which keeps the damaged file aside")
{
    public int Shard { get; } = shard;

    public string File { get; } = file;

    public long Offset { get; } = offset;

    public long LastGoodLsn { get; } = lastGoodLsn;

    public long BytesAfter { get; } = bytesAfter;

    public long RecordsAfter { get; } = recordsAfter;

    public string Reason { get; } = reason;
}

/// <summary>
/// A replicated or imported record stamped further past this node's clock than <see cref="StoreOptions.MaxClockSkew"/>
/// allows. Nothing from its chunk or segment was applied.
/// </summary>
public sealed class ClockSkewException(string? peer, int shard, long lsn, string key, ulong timestamp, ulong limit, TimeSpan maxSkew)
    : StorageException($"record at LSN {lsn} of shard {shard}{(peer is null ? "" : $" from {peer}")}, key {key}, has timestamp {timestamp} "
        + $"({Describe(timestamp)}), beyond this node's clock plus MaxClockSkew={maxSkew} (limit {limit}, {Describe(limit)}); nothing from it was applied. Check the clocks of both nodes")
{
    public string? Peer => peer;

    public ulong Timestamp => timestamp;

    /// <summary>The same refusal, naming the peer it came from.</summary>
    public ClockSkewException From(string source) => new(source, shard, lsn, key, timestamp, limit, maxSkew);

    private static string Describe(ulong timestamp)
    {
        var milliseconds = timestamp >> 16;
        return milliseconds <= (ulong)DateTimeOffset.MaxValue.ToUnixTimeMilliseconds()
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)milliseconds).ToString("O", System.Globalization.CultureInfo.InvariantCulture)
            : "beyond the year 9999";
    }
}

/// <summary>Options or input that the store refuses before changing anything.</summary>
public sealed class StoreArgumentException(string message) : StorageException(message);

/// <summary>Replicated records do not continue the follower's log: a gap, or LSNs out of order.</summary>
public sealed class ReplicationGapException(int shard, long expected, long actual)
    : StorageException($"replication gap on shard {shard}: expected LSN {expected}, got {actual}")
{
    public long Expected { get; } = expected;

    public long Actual { get; } = actual;
}

/// <summary>
/// A rollback would remove records from a sealed segment. Sealed segments are immutable and may already
/// be shared with peers, so the shard must be restored from a snapshot instead.
/// </summary>
public sealed class RollbackCrossesSealedSegmentException(int shard, long lsn, string segment, long firstLsn, long lastLsn)
    : StorageException($"rollback of shard {shard} to LSN {lsn} would cut into sealed segment {segment} (LSNs {firstLsn}..{lastLsn}); restore from a snapshot instead")
{
    public long Lsn { get; } = lsn;
}

/// <summary>A snapshot stream is not what it declares; nothing from it was installed.</summary>
public sealed class SnapshotCorruptException(long offset, string reason)
    : StorageException($"snapshot is corrupt at byte {offset}: {reason}; nothing was installed")
{
    public long Offset { get; } = offset;
}

/// <summary>
/// A shard could not write its log (a full disk, an I/O error). It accepts nothing more, because what it
/// holds in memory may no longer match its files; the store reopens it from what is on disk, retrying with
/// backoff. Writes acknowledged before the failure are on disk and stay readable.
/// </summary>
public sealed class ShardFailedException(int shard, Exception cause)
    : StorageException($"shard {shard} failed to write its log ({cause.Message}); it takes no writes until it is reopened from disk, which the store retries with backoff. Acknowledged writes are intact", cause)
{
    public int Shard { get; } = shard;
}

/// <summary>A peer-supplied identifier that cannot be used as a file name.</summary>
public sealed class UnsafeNameException(string what, string value, string reason)
    : StorageException($"{what} \"{value}\" is refused: {reason}");

/// <summary>A whole record of a bootstrap intent log that fails its checksum: the log is not read past it.</summary>
public sealed class IntentLogCorruptException(string path, long offset, string reason)
    : StorageException($"bootstrap intent log {path} is damaged at byte {offset}: {reason}");

/// <summary>A snapshot piece that does not continue the transfer where it stands.</summary>
public sealed class SnapshotOffsetRegressionException(string token, long expected, long actual)
    : StorageException($"snapshot offset regression for {token}: expected {expected}, got {actual}");

/// <summary>A peer that moved less than the minimum in a progress window, or ran past the deadline: the attempt ends, and the next resumes.</summary>
public sealed class TransferTooSlowException(string message)
    : IOException(message);

/// <summary>A snapshot larger than the receiver takes, or than its free space: refused before anything is written, and not retried.</summary>
public sealed class SnapshotTooLargeException(string message)
    : StorageException(message);

/// <summary>The receiving state is unusable (a piece of another transfer, a length beyond the total): restart from offset 0.</summary>
public sealed class SnapshotTransportException(string message)
    : StorageException(message);

/// <summary>The bootstrap intent log is open in another process: one bootstrap of a replica runs at a time.</summary>
public sealed class IntentLogInUseException(string path, Exception inner)
    : StorageException($"bootstrap intent log {path} is open in another process; one bootstrap of a replica runs at a time", inner);
