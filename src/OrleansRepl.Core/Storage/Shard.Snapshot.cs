using OrleansRepl.Core.Storage.Snapshots;

namespace OrleansRepl.Core.Storage;

/// <summary>Freezing a consistent view of the shard for a snapshot.</summary>
internal sealed partial class Shard
{
    /// <summary>
    /// The shard as of now: sealed segments are immutable, so opening their files pins them by reference; the
    /// committed part of the active segment is copied. Flushes and rollbacks are held off meanwhile. The caller
    /// owns the returned file handles. A sealed file that is missing or not the length its manifest entry
    /// declares stops the freeze with <see cref="InvalidDataException"/>, naming it.
    /// </summary>
    public async ValueTask<ShardSnapshot> FreezeAsync(CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken);
        var files = new List<SealedFile>();
        try
        {
            var tail = Volatile.Read(ref _tail);
            var segments = Volatile.Read(ref _manifest).Segments;
            foreach (var segment in segments)
            {
                var path = SegmentPath(segment.Hash);
                var file = new SealedFile(path, OpenSealed(path));
                files.Add(file);
                var length = RandomAccess.GetLength(file.Handle);
                if (length != segment.Bytes)
                {
                    throw new InvalidDataException($"shard {Id}: sealed segment {path} holds {length} bytes where its manifest entry declares {segment.Bytes}; the snapshot export stops (check the store with `orepl store verify`)");
                }
            }

            return new ShardSnapshot(tail.NextLsn, _activeFirstLsn, ReadActive(), segments, files);
        }
        catch
        {
            files.ForEach(f => f.Handle.Dispose());
            throw;
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle OpenSealed(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw new InvalidDataException($"shard {Id}: sealed segment {path} is listed in its manifest but the file is missing; the snapshot export stops (check the store with `orepl store verify`)");
        }
    }
}
