using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Segments;
using OrleansRepl.Core.Storage.Snapshots;

namespace OrleansRepl.Core.Storage;

/// <summary>Installing a snapshot as a new store, all or nothing.</summary>
public sealed partial class LogStore
{
    /// <summary>
    /// Builds the store in <paramref name="source"/> under a sibling staging directory, verifies it (every
    /// segment's BLAKE3, every record, the declared length and the CRC-32C), and only then renames it to
    /// <paramref name="directory"/>. A crash or bad input at any point leaves no store at
    /// <paramref name="directory"/>; a leftover staging directory is discarded by the next import.
    /// <paramref name="directory"/> must not hold a store: replacing a live one is the caller's decision.
    /// </summary>
    public static async ValueTask<SnapshotInfo> ImportSnapshotAsync(string directory, Stream source, StoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        directory = Path.GetFullPath(directory);
        if (StoredShardCount(directory) is not null)
        {
            throw new StoreArgumentException($"{directory} already holds a store; a snapshot installs only where there is none");
        }

        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new StoreArgumentException($"{directory} is not empty; a snapshot installs only into an empty or absent directory");
        }

        var staging = directory + ".import";
        if (System.IO.Directory.Exists(staging))
        {
            System.IO.Directory.Delete(staging, recursive: true);
        }

        System.IO.Directory.CreateDirectory(staging);
        try
        {
            var info = await BuildFromSnapshotAsync(staging, source, options, cancellationToken);
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory);
            }

            System.IO.Directory.Move(staging, directory);
            DurableFile.SyncDirectory(Path.GetDirectoryName(directory)!);
            return info;
        }
        catch
        {
            System.IO.Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    private static async ValueTask<SnapshotInfo> BuildFromSnapshotAsync(string staging, Stream source, StoreOptions options, CancellationToken cancellationToken)
    {
        var reader = new SnapshotReader(source);
        var magic = new byte[SnapshotFormat.Magic.Length];
        await reader.ReadExactlyAsync(magic, cancellationToken);
        if (!magic.AsSpan().SequenceEqual(SnapshotFormat.Magic))
        {
            throw new SnapshotCorruptException(0, "it does not start with the snapshot magic ORSNAP01");
        }

        var total = (long)await reader.ReadUInt64Async(cancellationToken);
        var shardCount = await reader.ReadUInt32Async(cancellationToken);
        if (shardCount is 0 or > SnapshotFormat.MaxShards)
        {
            throw new SnapshotCorruptException(16, $"it claims {shardCount} shards");
        }

        if (shardCount != options.ShardCount)
        {
            throw new ShardCountMismatchException("the snapshot", (int)shardCount, options.ShardCount);
        }

        var shards = new List<(long NextLsn, long ActiveFirstLsn, long ActiveLength, List<SealedSegmentEntry> Sealed)>();
        var payload = 0L;
        for (var i = 0; i < shardCount; i++)
        {
            var nextLsn = (long)await reader.ReadUInt64Async(cancellationToken);
            var activeFirstLsn = (long)await reader.ReadUInt64Async(cancellationToken);
            var activeLength = (long)await reader.ReadUInt64Async(cancellationToken);
            var sealedCount = await reader.ReadUInt32Async(cancellationToken);
            if (sealedCount > SnapshotFormat.MaxSegmentsPerShard)
            {
                throw new SnapshotCorruptException(reader.Offset - 4, $"shard {i} claims {sealedCount} sealed segments");
            }

            var sealedSegments = new List<SealedSegmentEntry>();
            var hash = new byte[Blake3Hash.Size];
            for (var s = 0; s < sealedCount; s++)
            {
                await reader.ReadExactlyAsync(hash, cancellationToken);
                var entry = new SealedSegmentEntry(
                    new Blake3Hash(hash).ToString(),
                    (long)await reader.ReadUInt64Async(cancellationToken),
                    (long)await reader.ReadUInt64Async(cancellationToken),
                    (long)await reader.ReadUInt64Async(cancellationToken),
                    (long)await reader.ReadUInt64Async(cancellationToken),
                    Imported: false);
                var imported = new byte[1];
                await reader.ReadExactlyAsync(imported, cancellationToken);
                sealedSegments.Add(entry with { Imported = imported[0] != 0 });
                payload += entry.Bytes;
            }

            payload += activeLength;
            shards.Add((nextLsn, activeFirstLsn, activeLength, sealedSegments));
        }

        // Every length is now known: they must add up to the declared total before a payload byte is trusted.
        if (payload < 0 || reader.Offset + payload + SnapshotFormat.TrailerSize != total)
        {
            throw new SnapshotCorruptException(8, $"declared length {total} does not match its header ({reader.Offset} bytes) plus payload ({payload}) plus trailer");
        }

        var activeHashes = new List<Blake3Hash>();
        for (var i = 0; i < shardCount; i++)
        {
            var (nextLsn, activeFirstLsn, activeLength, sealedSegments) = shards[i];
            var shardDirectory = Path.Combine(staging, $"shard-{i:D3}");
            var segmentsDirectory = Path.Combine(shardDirectory, "segments");
            System.IO.Directory.CreateDirectory(segmentsDirectory);
            foreach (var entry in sealedSegments)
            {
                var at = reader.Offset;
                var path = Path.Combine(segmentsDirectory, entry.Hash + ".seg");
                var actual = await reader.CopyToFileAsync(path, entry.Bytes, cancellationToken);
                if (actual.ToString() != entry.Hash)
                {
                    throw new SnapshotCorruptException(at, $"segment {entry.Hash} of shard {i} hashes to {actual}");
                }

                CheckRecords(await File.ReadAllBytesAsync(path, cancellationToken), options, at, $"segment {entry.Hash} of shard {i}");
            }

            // Each segment file was fsynced, but its name lives in the directory: without this a power cut after
            // the install could leave a MANIFEST naming segments that are not there.
            DurableFile.SyncDirectory(segmentsDirectory);

            var activeAt = reader.Offset;
            var activePath = Path.Combine(shardDirectory, Shard.ActiveFileName);
            activeHashes.Add(await reader.CopyToFileAsync(activePath, activeLength, cancellationToken));
            var active = CheckRecords(await File.ReadAllBytesAsync(activePath, cancellationToken), options, activeAt, $"the active segment of shard {i}");
            var continuesAt = active.Records > 0 ? active.LastLsn + 1 : activeFirstLsn;
            if (continuesAt != nextLsn)
            {
                throw new SnapshotCorruptException(activeAt, $"shard {i} declares next LSN {nextLsn}, but its active segment continues at {continuesAt}");
            }

            new SegmentManifest(activeFirstLsn, sealedSegments).Save(shardDirectory);
        }

        var crc = reader.Crc;
        await reader.VerifyTrailerAsync(cancellationToken);
        new StoreManifest(StoreManifest.CurrentFormat, (int)shardCount).Save(staging);
        var root = ComputeStoreRoot(new Merkle.SegmentSetTree(shards.SelectMany(s => s.Sealed).Select(s => Blake3Hash.Parse(s.Hash))).Root, activeHashes);
        return new SnapshotInfo(total, crc, root, shards.Select(s => s.NextLsn - 1).ToList());
    }

    private static ScanResult CheckRecords(byte[] image, StoreOptions options, long streamOffset, string what)
    {
        var scan = SegmentScanner.Scan(image, options.MaxBodyBytes, static (in LogRecord _, long _, int _) => { });
        return scan.Stop == DecodeStatus.Ok
            ? scan
            : throw new SnapshotCorruptException(streamOffset + scan.GoodBytes, $"{what} is bad at its byte {scan.GoodBytes}: {scan.StopReason}");
    }
}
