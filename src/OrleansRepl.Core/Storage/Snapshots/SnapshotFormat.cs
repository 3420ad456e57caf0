using System.Buffers.Binary;
using OrleansRepl.Core.Hashing;

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

    /// <summary>The header of a snapshot of <paramref name="shards"/>: everything before the first segment's bytes.</summary>
    public static byte[] Header(IReadOnlyList<ShardSnapshot> shards)
    {
        var size = PrefixSize + shards.Sum(s => ShardHeaderSize + (s.Sealed.Count * SegmentEntrySize));
        var total = (long)size + shards.Sum(s => s.Active.Length + s.Sealed.Sum(e => e.Bytes)) + TrailerSize;
        var header = new byte[size];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        span = span[Magic.Length..];
        Put(ref span, (ulong)total);
        Put(ref span, (uint)shards.Count);
        foreach (var shard in shards)
        {
            Put(ref span, (ulong)shard.NextLsn);
            Put(ref span, (ulong)shard.ActiveFirstLsn);
            Put(ref span, (ulong)shard.Active.Length);
            Put(ref span, (uint)shard.Sealed.Count);
            foreach (var segment in shard.Sealed)
            {
                Blake3Hash.Parse(segment.Hash).CopyTo(span);
                span = span[Blake3Hash.Size..];
                Put(ref span, (ulong)segment.FirstLsn);
                Put(ref span, (ulong)segment.LastLsn);
                Put(ref span, (ulong)segment.Bytes);
                Put(ref span, (ulong)segment.Records);
                span[0] = segment.Imported ? (byte)1 : (byte)0;
                span = span[1..];
            }
        }

        return header;
    }

    /// <summary>The trailer: the CRC-32C of everything before it.</summary>
    public static byte[] Trailer(uint crc)
    {
        var trailer = new byte[TrailerSize];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        return trailer;
    }

    private static void Put(ref Span<byte> span, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(span, value);
        span = span[8..];
    }

    private static void Put(ref Span<byte> span, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(span, value);
        span = span[4..];
    }
}
