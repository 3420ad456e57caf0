using Microsoft.Win32.SafeHandles;

namespace OrleansRepl.Core.Storage.Segments;

/// <summary>
/// One segment file as the index refers to it. The path changes once, when the active segment is sealed
/// and renamed; a read handle opened before that keeps working, because it refers to the file, not the name.
/// </summary>
internal sealed class SegmentSlot(string path) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<(long Lsn, long Offset)> _checkpoints = [];
    private SafeFileHandle? _reader;

    /// <summary>Every this many records, the slot remembers where a record starts, so reads seek near their LSN.</summary>
    public const int CheckpointEvery = 64;

    public string Path { get; set; } = path;

    public SafeFileHandle Reader
    {
        get
        {
            lock (_gate)
            {
                return _reader ??= File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
        }
    }

    /// <summary>Records that the record with <paramref name="lsn"/> starts at <paramref name="offset"/>. Calls come in LSN order.</summary>
    public void NoteRecord(long lsn, long offset, long ordinal)
    {
        if (ordinal % CheckpointEvery == 0)
        {
            lock (_gate)
            {
                _checkpoints.Add((lsn, offset));
            }
        }
    }

    /// <summary>Takes the record starts an install noted while it verified this segment (see <see cref="Index.ShardIndexSeed"/>).</summary>
    public void AdoptCheckpoints(IEnumerable<(long Lsn, long Offset)> checkpoints)
    {
        lock (_gate)
        {
            _checkpoints.AddRange(checkpoints);
        }
    }

    /// <summary>The offset of a record at or before <paramref name="lsn"/> to start scanning from (0 when none is known).</summary>
    public long SeekFloor(long lsn)
    {
        lock (_gate)
        {
            var low = 0;
            var high = _checkpoints.Count - 1;
            var best = 0L;
            while (low <= high)
            {
                var middle = (low + high) / 2;
                if (_checkpoints[middle].Lsn <= lsn)
                {
                    best = _checkpoints[middle].Offset;
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            return best;
        }
    }

    /// <summary>The offset of the first remembered record at or after <paramref name="lsn"/>; null when none is known.</summary>
    public long? SeekCeiling(long lsn)
    {
        lock (_gate)
        {
            var low = 0;
            var high = _checkpoints.Count - 1;
            long? best = null;
            while (low <= high)
            {
                var middle = (low + high) / 2;
                if (_checkpoints[middle].Lsn >= lsn)
                {
                    best = _checkpoints[middle].Offset;
                    high = middle - 1;
                }
                else
                {
                    low = middle + 1;
                }
            }

            return best;
        }
    }

    /// <summary>Forgets checkpoints of records past <paramref name="lsn"/> (after a rollback).</summary>
    public void ForgetAfter(long lsn)
    {
        lock (_gate)
        {
            _checkpoints.RemoveAll(c => c.Lsn > lsn);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _reader?.Dispose();
            _reader = null;
        }
    }
}
