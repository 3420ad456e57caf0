using Microsoft.Win32.SafeHandles;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>
/// One shard frozen for export: its sealed segments, each with its file held open (so nothing the store does
/// afterwards can change or remove what is served), and a copy of its committed active bytes.
/// </summary>
internal sealed record ShardSnapshot(long NextLsn, long ActiveFirstLsn, byte[] Active, IReadOnlyList<SealedSegmentEntry> Sealed, IReadOnlyList<SealedFile> Files)
{
    /// <summary>Closes the sealed segment files it holds.</summary>
    public void CloseFiles()
    {
        foreach (var file in Files)
        {
            file.Handle.Dispose();
        }
    }
}

/// <summary>An open sealed segment file and the path it was opened at (for error messages).</summary>
internal sealed record SealedFile(string Path, SafeFileHandle Handle);
