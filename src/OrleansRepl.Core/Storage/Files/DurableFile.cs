using System.Runtime.InteropServices;

namespace OrleansRepl.Core.Storage.Files;

/// <summary>The few file-system steps whose order and fsyncs make a change crash-safe.</summary>
internal static partial class DurableFile
{
    /// <summary>
    /// Replaces <paramref name="path"/> with <paramref name="contents"/> so that a crash leaves either the
    /// old file or the new one, never a mix: write a temporary, fsync it, rename it over, fsync the directory.
    /// </summary>
    public static void Replace(string path, ReadOnlySpan<byte> contents)
    {
        var temporary = path + ".tmp";
        using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            RandomAccess.Write(handle, contents, 0);
            RandomAccess.FlushToDisk(handle);
        }

        File.Move(temporary, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Renames a file and makes the rename itself durable.</summary>
    public static void Rename(string from, string to)
    {
        File.Move(from, to, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(to))!);
        var fromDirectory = Path.GetDirectoryName(Path.GetFullPath(from))!;
        if (fromDirectory != Path.GetDirectoryName(Path.GetFullPath(to)))
        {
            SyncDirectory(fromDirectory);
        }
    }

    /// <summary>
    /// Swaps two existing paths (files or directories) in one atomic step (Linux <c>renameat2</c> with
    /// <c>RENAME_EXCHANGE</c>), then makes it durable: a crash leaves both names holding either the old or the new
    /// content, never one name missing.
    /// </summary>
    public static void Exchange(string first, string second)
    {
        const int CurrentDirectory = -100; // AT_FDCWD
        const uint RenameExchange = 2;
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("an atomic exchange of two paths needs Linux renameat2");
        }

        if (RenameAt2(CurrentDirectory, Path.GetFullPath(first), CurrentDirectory, Path.GetFullPath(second), RenameExchange) != 0)
        {
            throw new IOException($"exchanging {first} and {second} failed (errno {Marshal.GetLastPInvokeError()})");
        }

        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(second))!);
        if (Path.GetDirectoryName(Path.GetFullPath(first)) != Path.GetDirectoryName(Path.GetFullPath(second)))
        {
            SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(first))!);
        }
    }

    /// <summary>Raised with each directory about to be fsynced, so tests can check that a creation was made durable.</summary>
    internal static event Action<string>? DirectorySynced;

    /// <summary>
    /// Makes the directory's entries (creations, renames, removals) durable. On Linux a file's own fsync
    /// does not cover its name; Windows has no equivalent call and journals metadata itself.
    /// </summary>
    public static void SyncDirectory(string directory)
    {
        DirectorySynced?.Invoke(Path.GetFullPath(directory));
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY on Linux
        var descriptor = Open(directory, OperatingSystem.IsLinux() ? ReadOnlyDirectory : 0);
        if (descriptor < 0)
        {
            throw new IOException($"cannot open directory {directory} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        }

        try
        {
            if (Fsync(descriptor) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameAt2(int oldDirectory, string oldPath, int newDirectory, string newPath, uint flags);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int descriptor);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int descriptor);
}
