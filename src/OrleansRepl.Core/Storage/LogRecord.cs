namespace OrleansRepl.Core.Storage;

/// <summary>
/// One entry of a shard's log. Everything here is replicated state: a follower stores the same LSN,
/// version and flags, so its segments are byte-identical to the leader's.
/// </summary>
public readonly record struct LogRecord(
    long Lsn,
    RecordKind Kind,
    RecordVersion Version,
    bool SyncPoint,
    ReadOnlyMemory<byte> Key,
    ReadOnlyMemory<byte> Value)
{
    public bool IsTombstone => Kind == RecordKind.Delete;

    public static LogRecord Put(long lsn, RecordVersion version, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, bool syncPoint = true) =>
        new(lsn, RecordKind.Put, version, syncPoint, key, value);

    public static LogRecord Delete(long lsn, RecordVersion version, ReadOnlyMemory<byte> key, bool syncPoint = true) =>
        new(lsn, RecordKind.Delete, version, syncPoint, key, ReadOnlyMemory<byte>.Empty);

    public static LogRecord Seal(long lsn, RecordVersion version) =>
        new(lsn, RecordKind.Seal, version, true, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty);
}
