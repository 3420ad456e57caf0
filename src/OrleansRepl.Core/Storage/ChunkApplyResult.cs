namespace OrleansRepl.Core.Storage;

/// <summary>
/// A replicated chunk, checked and committed: how many records it held (already-applied ones included),
/// its last LSN, the highest version in it, and its bytes of keys and values.
/// </summary>
public readonly record struct ChunkApplyResult(int Records, long LastLsn, RecordVersion MaxVersion, long KeyValueBytes);
