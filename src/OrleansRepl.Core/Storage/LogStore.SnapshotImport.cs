using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Snapshots;

namespace OrleansRepl.Core.Storage;

/// <summary>Installing a snapshot as a new store, all or nothing.</summary>
public sealed partial class LogStore
{
    /// <summary>The read size when installing from a stream.</summary>
    private const int ImportPieceSize = 1 << 20;

    /// <summary>
    /// Builds the store in <paramref name="source"/> under a sibling staging directory, verifying it on the way
    /// (every segment's BLAKE3, every record, the declared length and the CRC-32C), and only then renames it to
    /// <paramref name="directory"/>. A crash or bad input at any point leaves no store at
    /// <paramref name="directory"/>; a leftover staging directory is discarded by the next import.
    /// <paramref name="directory"/> must not hold a store: replacing a live one is the caller's decision.
    /// </summary>
    public static async ValueTask<SnapshotInfo> ImportSnapshotAsync(string directory, Stream source, StoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        directory = Path.GetFullPath(directory);
        ThrowUnlessInstallable(directory);
        var staging = directory + ".import";
        if (System.IO.Directory.Exists(staging))
        {
            System.IO.Directory.Delete(staging, recursive: true);
        }

        try
        {
            SnapshotInfo info;
            using (var installer = SnapshotInstaller.Start(staging, options))
            {
                var piece = new byte[ImportPieceSize];
                int read;
                while ((read = await source.ReadAsync(piece, cancellationToken)) > 0)
                {
                    await installer.AcceptAsync(piece.AsMemory(0, read), cancellationToken);
                }

                info = await installer.CompleteAsync();
            }

            MoveInto(staging, directory);
            return info;
        }
        catch
        {
            System.IO.Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    /// <summary>Refuses a directory that holds a store or anything else: a snapshot installs only into an empty or absent one.</summary>
    internal static void ThrowUnlessInstallable(string directory)
    {
        if (StoredShardCount(directory) is { } shards)
        {
            throw new StoreArgumentException($"{directory} already holds a {shards}-shard store; a snapshot installs only where there is none");
        }

        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new StoreArgumentException($"{directory} is not empty; a snapshot installs only into an empty or absent directory");
        }
    }

    /// <summary>Renames a finished staging directory to <paramref name="directory"/> (empty or absent), durably.</summary>
    internal static void MoveInto(string staging, string directory)
    {
        ThrowUnlessInstallable(directory);
        if (System.IO.Directory.Exists(directory))
        {
            System.IO.Directory.Delete(directory);
        }

        System.IO.Directory.Move(staging, directory);
        DurableFile.SyncDirectory(Path.GetDirectoryName(directory)!);
    }
}
