namespace OrleansRepl.Core.Storage.Segments;

/// <summary>
/// The committed end of a shard's log, published by the flush leader after every write and seal so that
/// readers never take the write locks: the active segment's slot, its first LSN, how many of its bytes
/// are committed, and the LSN after the last committed record.
/// </summary>
internal sealed record LogTail(int ActiveSlot, long ActiveFirstLsn, long ActiveLength, long NextLsn);
