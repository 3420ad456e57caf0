namespace OrleansRepl.Core.Storage.Files;

/// <summary>
/// Exclusive ownership of a store directory for the life of this object: an exclusive lock on the file
/// LOCK (flock on Unix), released by the OS even when the process is killed.
/// </summary>
internal sealed class DirectoryLock : IDisposable
{
    private readonly FileStream _file;

    private DirectoryLock(FileStream file) => _file = file;

    public static DirectoryLock Acquire(string directory)
    {
        try
        {
            return new DirectoryLock(new FileStream(Path.Combine(directory, "LOCK"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new StoreLockedException(directory, e);
        }
    }

    public void Dispose() => _file.Dispose();
}
