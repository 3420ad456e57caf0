using System.Globalization;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// What a follower does when syncup finds no safe matchpoint (NeedsRestore): the diverged store is set aside
/// (renamed, never deleted: its unreplicated tail may matter to an operator) and the leader's snapshot is
/// bootstrapped in its place. A crash in between is safe: the store directory is then empty and the bootstrap
/// intent resumes.
/// </summary>
public static class ReplicaRestore
{
    /// <summary>
    /// Sets <paramref name="storeDirectory"/> aside (if it holds a store) as <c>D.{asideLabel}-TIME</c> and bootstraps it
    /// from <paramref name="puller"/>'s source; <paramref name="started"/> hears whether it resumes.
    /// </summary>
    public static async Task<(BootstrapResult Result, string? SetAside)> RestoreAsync(string storeDirectory, StoreOptions options, SnapshotPuller puller, Action<SnapshotProgress>? progress, CancellationToken cancellationToken, Action<BootstrapStart>? started = null, string asideLabel = "diverged")
    {
        ArgumentNullException.ThrowIfNull(puller);
        var full = Path.GetFullPath(storeDirectory).TrimEnd(Path.DirectorySeparatorChar);
        string? aside = null;
        if (Directory.Exists(full))
        {
            aside = string.Create(CultureInfo.InvariantCulture, $"{full}.{SafeName.Check(asideLabel, "aside label")}-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}");
            Directory.Move(full, aside);
            DurableFile.SyncDirectory(Path.GetDirectoryName(full)!);
        }

        return (await puller.RunAsync(full, options, progress, cancellationToken, started), aside);
    }
}
