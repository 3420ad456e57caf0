namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>
/// The byte stream of a store snapshot. All integers little-endian.
/// <code>
/// "ORSNAP01" | u64 total length | u32 shard count
/// per shard:  u64 next LSN | u64 active first LSN | u64 active length | u32 sealed count
///             per sealed: 32-byte hash | u64 first LSN | u64 last LSN | u64 bytes | u64 records | u8 imported
/// then per shard, in order: each sealed segment's bytes, then the active segment's bytes
/// u32 CRC-32C of everything before it
/// </code>
/// The total length is declared up front, so a receiver knows the size before the bytes arrive.
/// </summary>
internal static class SnapshotFormat
{
    public static ReadOnlySpan<byte> Magic => "ORSNAP01"u8;

    public const int PrefixSize = 8 + 8 + 4;
    public const int ShardHeaderSize = 8 + 8 + 8 + 4;
    public const int SegmentEntrySize = 32 + 8 + 8 + 8 + 8 + 1;
    public const int TrailerSize = 4;

    /// <summary>More shards or segments than any real store holds: a header claiming them is corrupt.</summary>
    public const int MaxShards = 4096;
    public const int MaxSegmentsPerShard = 1 << 20;
}
