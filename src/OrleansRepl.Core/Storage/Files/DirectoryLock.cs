namespace OrleansRepl.Core.Storage.Files;

/// <summary>
/// Exclusive ownership of a store directory for the life of this object: an exclusive lock on the file
/// LOCK (flock on Unix), released by the OS even when the process is killed. A directory this process already
/// holds is refused by name, so a store left open here is not mistaken for another process's.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    private static readonly HashSet<string> Held = [];
    private readonly FileStream _file;
    private readonly string _directory;

    private DirectoryLock(FileStream file, string directory) => (_file, _directory) = (file, directory);

    public static DirectoryLock Acquire(string directory)
    {
        directory = Path.GetFullPath(directory);
        lock (Held)
        {
            if (!Held.Add(directory))
            {
                throw StoreLockedException.OpenInThisProcess(directory);
            }
        }

        try
        {
            return new DirectoryLock(new FileStream(Path.Combine(directory, "LOCK"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), directory);
        }
        catch (IOException e)
        {
            Release(directory);
            throw new StoreLockedException(directory, e);
        }
        catch
        {
            Release(directory);
            throw;
        }
    }

    public void Dispose()
    {
        _file.Dispose();
        Release(_directory);
    }

    private static void Release(string directory)
    {
        lock (Held)
        {
            Held.Remove(directory);
        }
    }
}
