using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Merkle;

namespace OrleansRepl.Core.Storage.Recovery;

/// <summary>
/// Reads a store directory without opening the store: no LOCK is taken, every file is opened for reading
/// only and shared with any writer, and nothing is truncated, renamed or rewritten, so every file stays
/// byte-identical. It may run beside a process that holds the store open; it then sees what is on disk.
/// </summary>
public static class StoreInspector
{
    private const int ConcurrentSealRetries = 3;

    /// <summary>Inspects every shard of the store in <paramref name="directory"/>; <paramref name="options"/> gives the record limits and the in-flight bound.</summary>
    public static async ValueTask<StoreInspection> InspectAsync(string directory, StoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        directory = Path.GetFullPath(directory);
        if (!File.Exists(Path.Combine(directory, StoreManifest.FileName)))
        {
            throw new StoreArgumentException($"{directory} holds no store (no {StoreManifest.FileName} file)");
        }

        var manifest = StoreManifest.Load(directory);
        var shards = new ShardInspection[manifest.ShardCount];
        var sealedHashes = new List<Blake3Hash>();
        var activeHashes = new Blake3Hash[manifest.ShardCount];
        for (var i = 0; i < manifest.ShardCount; i++)
        {
            var shard = await InspectShardAsync(i, Path.Combine(directory, Shard.DirectoryName(i)), options, cancellationToken);
            shards[i] = shard.Finding;
            sealedHashes.AddRange(shard.Sealed);
            activeHashes[i] = shard.ActiveHash;
        }

        Blake3Hash? root = shards.Any(s => s.Damage is not null)
            ? null
            : LogStore.ComputeStoreRoot(new SegmentSetTree(sealedHashes).Root, activeHashes);
        return new StoreInspection(directory, shards, root);
    }

    /// <summary>Inspects shard <paramref name="shard"/> alone; the store root needs every shard, so it is not computed.</summary>
    internal static async ValueTask<(ShardInspection Finding, LogAudit Active, string ActivePath)> InspectOneAsync(string directory, int shard, StoreOptions options, CancellationToken cancellationToken)
    {
        var result = await InspectShardAsync(shard, Path.Combine(directory, Shard.DirectoryName(shard)), options, cancellationToken);
        return (result.Finding, result.Active, Path.Combine(directory, Shard.DirectoryName(shard), Shard.ActiveFileName));
    }

    private static async ValueTask<ShardResult> InspectShardAsync(int shard, string shardDirectory, StoreOptions options, CancellationToken cancellationToken)
    {
        // A seal that runs meanwhile renames the active file and rewrites the manifest; reading them in the
        // wrong order looks like an active file that does not continue the manifest. Read again, then decide.
        for (var attempt = 1; ; attempt++)
        {
            var result = await ReadShardAsync(shard, shardDirectory, options, cancellationToken);
            if (!result.RacedWithSeal || attempt == ConcurrentSealRetries)
            {
                return result;
            }
        }
    }

    private static async ValueTask<ShardResult> ReadShardAsync(int shard, string shardDirectory, StoreOptions options, CancellationToken cancellationToken)
    {
        SegmentManifest manifest;
        try
        {
            manifest = SegmentManifest.LoadOrEmpty(shardDirectory);
        }
        catch (SegmentCorruptException e)
        {
            return ShardResult.Damaged(shard, new ShardDamage(e.Segment, e.Offset, 0, 0, 0, 0, 0, e.Message));
        }

        var records = 0L;
        var sealedHashes = new List<Blake3Hash>();
        var activePath = Path.Combine(shardDirectory, Shard.ActiveFileName);
        var active = File.Exists(activePath) ? await ReadSharedAsync(activePath, cancellationToken) : [];
        foreach (var entry in manifest.Segments)
        {
            var path = Path.Combine(shardDirectory, "segments", entry.Hash + ".seg");
            byte[] image;
            if (File.Exists(path))
            {
                image = await ReadSharedAsync(path, cancellationToken);
            }
            else if (entry == manifest.Segments[^1] && !entry.Imported && Blake3Hasher.Hash(active).ToString() == entry.Hash)
            {
                image = active; // a seal interrupted before its rename: the next open finishes it
                active = [];
            }
            else
            {
                return ShardResult.Damaged(shard, new ShardDamage(path, 0, entry.FirstLsn - 1, 0, 0, 0, 0, $"the segment is listed in {SegmentManifest.FileName} but the file is missing"));
            }

            var audit = LogAudit.Examine(image, options.MaxBodyBytes, options.GroupCommitMaxBytes, unsyncedZerosAreTorn: false, static (in LogRecord _, long _, int _) => { });
            if (audit.Fault != TailFault.None)
            {
                return ShardResult.Damaged(shard, DamageOf(path, audit, audit.Records > 0 ? audit.LastGoodLsn : entry.FirstLsn - 1));
            }

            var actual = Blake3Hasher.Hash(image);
            if (actual.ToString() != entry.Hash)
            {
                return ShardResult.Damaged(shard, new ShardDamage(path, 0, entry.FirstLsn - 1, image.Length, audit.Records, 0, 0, $"its bytes hash to {actual}, not to its name"));
            }

            records += audit.Records;
            sealedHashes.Add(actual);
        }

        var lastKind = RecordKind.Put;
        var activeAudit = LogAudit.Examine(active, options.MaxBodyBytes, options.GroupCommitMaxBytes, options.Fsync != FsyncMode.Always,
            (in LogRecord record, long _, int _) => lastKind = record.Kind);
        if (activeAudit.Fault == TailFault.Damage)
        {
            return ShardResult.Damaged(shard, DamageOf(activePath, activeAudit, activeAudit.Records > 0 ? activeAudit.LastGoodLsn : manifest.NextLsn - 1), activeAudit);
        }

        if (activeAudit.Records > 0 && activeAudit.FirstLsn != manifest.NextLsn)
        {
            var damage = new ShardDamage(activePath, 0, manifest.NextLsn - 1, active.Length, activeAudit.Records, activeAudit.FirstLsn, activeAudit.LastGoodLsn,
                $"it starts at LSN {activeAudit.FirstLsn}; the manifest continues the log at {manifest.NextLsn}");
            return ShardResult.Damaged(shard, damage, activeAudit) with { RacedWithSeal = activeAudit.FirstLsn > manifest.NextLsn };
        }

        var good = active.AsSpan(0, (int)activeAudit.GoodBytes);
        var nextLsn = activeAudit.Records > 0 ? activeAudit.LastGoodLsn + 1 : manifest.NextLsn;
        var activeHash = Blake3Hasher.Hash(good);
        if (activeAudit.Records > 0 && lastKind == RecordKind.Seal)
        {
            // The seal record is written but the seal not finished: the next open makes this a sealed segment.
            sealedHashes.Add(activeHash);
            activeHash = Blake3Hasher.Hash([]);
        }

        var torn = activeAudit.Fault == TailFault.TornTail ? new TornTailFinding(activePath, activeAudit.GoodBytes, activeAudit.BytesAfter) : null;
        var finding = new ShardInspection(shard, records + activeAudit.Records, sealedHashes.Count, nextLsn, torn, null);
        return new ShardResult(finding, sealedHashes, activeHash, activeAudit, RacedWithSeal: false);
    }

    private static ShardDamage DamageOf(string path, in LogAudit audit, long lastGoodLsn) =>
        new(path, audit.GoodBytes, lastGoodLsn, audit.BytesAfter, audit.RecordsAfter, audit.FirstLsnAfter, audit.LastLsnAfter, audit.Reason);

    /// <summary>Reads a whole file for reading only, sharing it with a writer, a renamer and a deleter.</summary>
    private static async ValueTask<byte[]> ReadSharedAsync(string path, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.ReadWrite | FileShare.Delete,
            Options = FileOptions.SequentialScan,
        });
        var image = new byte[file.Length];
        var read = 0;
        while (read < image.Length)
        {
            var n = await file.ReadAsync(image.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                break; // the file shrank meanwhile (a rollback): judge what is there
            }

            read += n;
        }

        return read == image.Length ? image : image[..read];
    }

    private readonly record struct ShardResult(ShardInspection Finding, IReadOnlyList<Blake3Hash> Sealed, Blake3Hash ActiveHash, LogAudit Active, bool RacedWithSeal)
    {
        public static ShardResult Damaged(int shard, ShardDamage damage, LogAudit active = default) =>
            new(new ShardInspection(shard, 0, 0, 0, null, damage), [], default, active, RacedWithSeal: false);
    }
}
