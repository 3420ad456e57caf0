using System.Globalization;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Storage.Recovery;

/// <summary>
/// The operator's explicit repair of a damaged shard: the log is cut at the damage, the good prefix kept, and the
/// damaged file moved aside (never deleted) so whatever follows the damage can still be read from it.
/// </summary>
public static class StoreSalvage
{
    /// <summary>
    /// Cuts the active log of <paramref name="shard"/> at its damage. Takes the store's LOCK, so it refuses to run
    /// beside a process that holds the store open. Damage in a sealed segment is refused: a sealed segment is
    /// immutable and named by its hash, so the repair is a restore from a replica holding the same bytes.
    /// </summary>
    public static async ValueTask<SalvageReport> SalvageShardAsync(string directory, int shard, StoreOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        directory = Path.GetFullPath(directory);
        var shards = LogStore.StoredShardCount(directory) ?? throw new StoreArgumentException($"{directory} holds no store (no {StoreManifest.FileName} file)");
        if ((uint)shard >= (uint)shards)
        {
            throw new StoreArgumentException($"shard {shard} does not exist; the store in {directory} has shards 0..{shards - 1}");
        }

        using var exclusive = DirectoryLock.Acquire(directory);
        var (finding, active, activePath) = await StoreInspector.InspectOneAsync(directory, shard, options, cancellationToken);
        if (finding.Damage is not { } damage)
        {
            return new SalvageReport(shard, finding, null, 0, 0);
        }

        if (damage.File != activePath)
        {
            throw new StoreArgumentException($"shard {shard} is damaged in {damage.File}, not in its active log; a sealed segment is never cut. "
                + "Restore the store from a replica (orepl bootstrap), which holds the same segment byte for byte");
        }

        var image = await File.ReadAllBytesAsync(activePath, cancellationToken);
        var keep = damage.Offset;
        var aside = $"{activePath}.damaged-{time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture)}";

        // The damaged bytes are kept aside before anything replaces them, and the good prefix replaces the active
        // log in one rename (whose directory fsync also makes the aside file's name durable): a crash at any step
        // leaves either the damaged log (still refused) or the cut one.
        await WriteNewDurablyAsync(aside, image, cancellationToken);
        DurableFile.Replace(activePath, image.AsSpan(0, (int)keep));

        // The kept prefix holds the audit's good records only when the cut is where they end (a log that does not
        // continue its manifest is cut whole, at 0).
        return new SalvageReport(shard, finding, aside, keep, keep == active.GoodBytes ? active.Records : 0);
    }

    private static async ValueTask WriteNewDurablyAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        await RandomAccess.WriteAsync(handle, bytes, 0, cancellationToken);
        RandomAccess.FlushToDisk(handle);
    }
}

/// <summary>
/// What salvage did to one shard. <see cref="AsidePath"/> is null when there was no damage and nothing changed;
/// otherwise the log keeps <see cref="KeptBytes"/> bytes (<see cref="KeptRecords"/> records, up to the damage's
/// last good LSN) and the whole damaged file is at <see cref="AsidePath"/>.
/// </summary>
public sealed record SalvageReport(int Shard, ShardInspection Before, string? AsidePath, long KeptBytes, long KeptRecords)
{
    /// <summary>One line per fact, for operators.</summary>
    public IEnumerable<string> Describe()
    {
        if (Before.Damage is not { } damage || AsidePath is null)
        {
            yield return $"shard {Shard}: no damage; nothing was changed"
                + (Before.TornTail is { } torn ? $" (a torn tail of {torn.Bytes} bytes at byte {torn.Offset} of {torn.File} is cut at the next open)" : "");
            yield break;
        }

        yield return $"shard {Shard}: damage in {damage.File} at byte {damage.Offset}: {damage.Reason}";
        yield return $"kept {KeptBytes} bytes, {KeptRecords} records, up to LSN {damage.LastGoodLsn}";
        var lastCut = Math.Max(damage.LastLsnAfter, damage.LastGoodLsn + 1);
        yield return $"cut {damage.BytesAfter} bytes: LSNs {damage.LastGoodLsn + 1}..{lastCut}, {damage.RecordsAfter} whole records after the damaged one";
        yield return $"the damaged file is kept at {AsidePath}";
    }
}
