using Microsoft.Win32.SafeHandles;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Index;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>Verifying one whole part, beside the receiving of the next.</summary>
internal sealed partial class SnapshotInstaller
{
    /// <summary>
    /// Checks a whole part: a sealed segment's BLAKE3 against its header entry and, for the shard's own segments, its
    /// LSN range; every record; an active segment's continuation against its shard's next LSN. Indexes a sealed
    /// segment when asked to, then fsyncs the file (unless replaying bytes that were already durable) and closes it.
    /// </summary>
    private void Verify(PartLayout part, byte[] image, SafeFileHandle file)
    {
        using (file)
        {
            var bytes = image.AsSpan(0, (int)part.Length);
            var started = SnapshotTimer.Now;
            var hash = Blake3Hasher.Hash(bytes);
            _timer.Hash(started);
            if (part.Segment is { } segment && hash.ToString() != segment.Hash)
            {
                throw new SnapshotCorruptException(part.Start, $"{part.Describe()} hashes to {hash}");
            }

            started = SnapshotTimer.Now;
            var (first, last) = (0L, 0L);
            ShardIndexSeed? seed = null;
            var position = 0;
            if (_indexing && part.Segment is { } sealedSegment)
            {
                seed = _seeds[part.Shard];
                position = seed.Begin(sealedSegment);
            }

            var ordinal = 0L;
            var scan = SegmentScanner.Scan(image.AsMemory(0, bytes.Length), _options.MaxBodyBytes, (in LogRecord record, long offset, int length) =>
            {
                first = first == 0 ? record.Lsn : first;
                last = record.Lsn;
                seed?.Note(position, record, offset, length, ordinal++);
            });
            _timer.Records(started);
            if (scan.Stop != DecodeStatus.Ok)
            {
                throw new SnapshotCorruptException(part.Start + scan.GoodBytes, $"{part.Describe()} is bad at its byte {scan.GoodBytes}: {scan.StopReason}");
            }

            if (part.Segment is { Imported: false } own && (first != own.FirstLsn || last != own.LastLsn))
            {
                // A shard's own segment holds exactly the LSNs its entry names: opening the store checks the same.
                throw new SnapshotCorruptException(part.Start, $"{part.Describe()} holds LSNs {first}..{last}; the header says {own.FirstLsn}..{own.LastLsn}");
            }

            if (part.Segment is null)
            {
                var shard = _layout!.Shards[part.Shard];
                var continuesAt = scan.Records > 0 ? scan.LastLsn + 1 : shard.ActiveFirstLsn;
                if (continuesAt != shard.NextLsn)
                {
                    throw new SnapshotCorruptException(part.Start, $"shard {part.Shard} declares next LSN {shard.NextLsn}, but its active segment continues at {continuesAt}");
                }

                _activeHashes[part.Shard] = hash;
            }

            if (!_replaying)
            {
                started = SnapshotTimer.Now;
                RandomAccess.FlushToDisk(file);
                _timer.Fsync(started);
            }
        }
    }
}
