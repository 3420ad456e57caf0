using System.Buffers.Binary;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>
/// What a snapshot's header says (see <see cref="SnapshotFormat"/>): its length, its shards, and the parts of its
/// payload in stream order, each with where it starts and the file it becomes in the installed store.
/// </summary>
internal sealed record SnapshotLayout(long Total, int HeaderLength, IReadOnlyList<ShardLayout> Shards, IReadOnlyList<PartLayout> Parts)
{
    /// <summary>The length of everything before the trailer.</summary>
    public long PayloadLength => Total - SnapshotFormat.TrailerSize;

    /// <summary>
    /// Parses a header from the start of <paramref name="bytes"/>; false while more bytes are needed. A header that
    /// cannot be a snapshot's throws <see cref="SnapshotCorruptException"/> naming the byte where it goes wrong.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> bytes, out SnapshotLayout? layout)
    {
        layout = null;
        if (bytes.Length < SnapshotFormat.PrefixSize)
        {
            return false;
        }

        if (!bytes[..SnapshotFormat.Magic.Length].SequenceEqual(SnapshotFormat.Magic))
        {
            throw new SnapshotCorruptException(0, "it does not start with the snapshot magic ORSNAP01");
        }

        var total = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        var shardCount = BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]);
        if (shardCount is 0 or > SnapshotFormat.MaxShards)
        {
            throw new SnapshotCorruptException(16, $"it claims {shardCount} shards");
        }

        var at = SnapshotFormat.PrefixSize;
        var shards = new List<ShardLayout>((int)shardCount);
        var payload = 0L;
        for (var i = 0; i < shardCount; i++)
        {
            if (bytes.Length < at + SnapshotFormat.ShardHeaderSize)
            {
                return false;
            }

            var nextLsn = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);
            var activeFirstLsn = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[(at + 8)..]);
            var activeLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes[(at + 16)..]);
            var sealedCount = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + 24)..]);
            if (sealedCount > SnapshotFormat.MaxSegmentsPerShard)
            {
                throw new SnapshotCorruptException(at + 24, $"shard {i} claims {sealedCount} sealed segments");
            }

            if (activeLength > long.MaxValue / 4)
            {
                throw new SnapshotCorruptException(at + 16, $"shard {i} claims an active segment of {activeLength} bytes");
            }

            at += SnapshotFormat.ShardHeaderSize;
            if (bytes.Length < at + (sealedCount * (long)SnapshotFormat.SegmentEntrySize))
            {
                return false;
            }

            var sealedSegments = new List<SealedSegmentEntry>((int)sealedCount);
            for (var s = 0; s < sealedCount; s++)
            {
                var entry = bytes.Slice(at, SnapshotFormat.SegmentEntrySize);
                var length = (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]);
                if (length > long.MaxValue / 4)
                {
                    throw new SnapshotCorruptException(at + 48, $"segment {s} of shard {i} claims {length} bytes");
                }

                sealedSegments.Add(new SealedSegmentEntry(
                    new Blake3Hash(entry[..Blake3Hash.Size]).ToString(),
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]),
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]),
                    length,
                    (long)BinaryPrimitives.ReadUInt64LittleEndian(entry[56..]),
                    Imported: entry[64] != 0));
                payload += length;
                at += SnapshotFormat.SegmentEntrySize;
            }

            payload += activeLength;
            shards.Add(new ShardLayout(nextLsn, activeFirstLsn, activeLength, sealedSegments));
        }

        // Every length is now known: they must add up to the declared total before a payload byte is trusted.
        if (payload < 0 || at + payload + SnapshotFormat.TrailerSize != total)
        {
            throw new SnapshotCorruptException(8, $"declared length {total} does not match its header ({at} bytes) plus payload ({payload}) plus trailer");
        }

        layout = new SnapshotLayout(total, at, shards, Plan(at, shards));
        return true;
    }

    /// <summary>The parts in stream order: each shard's sealed segments, then its active segment.</summary>
    private static List<PartLayout> Plan(long start, IReadOnlyList<ShardLayout> shards)
    {
        var parts = new List<PartLayout>();
        for (var i = 0; i < shards.Count; i++)
        {
            var shard = Shard.DirectoryName(i);
            foreach (var entry in shards[i].Sealed)
            {
                parts.Add(new PartLayout(i, entry, start, entry.Bytes, Path.Combine(shard, "segments", entry.Hash + ".seg")));
                start += entry.Bytes;
            }

            parts.Add(new PartLayout(i, null, start, shards[i].ActiveLength, Path.Combine(shard, Shard.ActiveFileName)));
            start += shards[i].ActiveLength;
        }

        return parts;
    }
}

/// <summary>One shard as the header declares it.</summary>
internal sealed record ShardLayout(long NextLsn, long ActiveFirstLsn, long ActiveLength, IReadOnlyList<SealedSegmentEntry> Sealed);

/// <summary>
/// One part of the payload: a sealed segment (<see cref="Segment"/>) or a shard's active segment (null), where it
/// starts in the stream, its length, and its file relative to the store directory.
/// </summary>
internal sealed record PartLayout(int Shard, SealedSegmentEntry? Segment, long Start, long Length, string RelativePath)
{
    public string Describe() => Segment is { } segment ? $"segment {segment.Hash} of shard {Shard}" : $"the active segment of shard {Shard}";
}
