using System.Globalization;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// Replaces a diverged or damaged store by a leader's snapshot without ever leaving the node without its old
/// store: the snapshot is pulled and verified into a staging directory beside it (<c>D.restore</c>), then swapped
/// in by one atomic exchange, and the old store is set aside (renamed, never deleted: its unreplicated tail or its
/// damaged file may matter to an operator). If the pull fails, <c>D</c> is exactly as it was. A crash after the
/// exchange leaves the old store in the staging directory; the next restore sets that aside too.
/// </summary>
public static class ReplicaRestore
{
    /// <summary>
    /// Bootstraps <paramref name="storeDirectory"/> from <paramref name="puller"/>'s source and sets the store it held
    /// (if any) aside as <c>D.{asideLabel}-TIME</c>; <paramref name="started"/> hears whether it resumes. With
    /// <paramref name="indexing"/>, the result carries the index of the new store's sealed segments for its first open.
    /// </summary>
    public static async Task<(BootstrapResult Result, string? SetAside)> RestoreAsync(string storeDirectory, StoreOptions options, SnapshotPuller puller, Action<SnapshotProgress>? progress, CancellationToken cancellationToken, Action<BootstrapStart>? started = null, string asideLabel = "diverged", bool indexing = false)
    {
        ArgumentNullException.ThrowIfNull(puller);
        var full = Path.GetFullPath(storeDirectory).TrimEnd(Path.DirectorySeparatorChar);
        var staging = full + ".restore";
        var label = SafeName.Check(asideLabel, "aside label");
        if (Directory.Exists(staging))
        {
            // An unfinished pull's install, or the old store a crash left here after the exchange: keep it, out of the way.
            Directory.Move(staging, AsideName(full, "restore-leftover"));
        }

        var result = await puller.RunAsync(full, options, progress, cancellationToken, started, installInto: staging, indexing);
        string? aside = null;
        if (Directory.Exists(full))
        {
            DurableFile.Exchange(staging, full);
            aside = AsideName(full, label);
            Directory.Move(staging, aside);
        }
        else
        {
            Directory.Move(staging, full);
        }

        DurableFile.SyncDirectory(Path.GetDirectoryName(full)!);
        return (result, aside);
    }

    private static string AsideName(string full, string label) =>
        string.Create(CultureInfo.InvariantCulture, $"{full}.{label}-{DateTimeOffset.UtcNow:yyyyMMddHHmmssfff}");
}
