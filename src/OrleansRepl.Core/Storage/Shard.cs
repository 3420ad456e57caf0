using Microsoft.Win32.SafeHandles;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Index;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage;

/// <summary>
/// One shard: an append-only log in segments, and the index over it. Appends are serialized by a short
/// lock that assigns LSNs, so LSN order is file order. Commits are grouped: the first waiter writes (and,
/// with <see cref="FsyncMode.Always"/>, fsyncs) everything appended so far, for all waiters at once.
/// </summary>
/// <remarks>
/// The index is updated only after a record's bytes are in the file, so a read never points at unwritten
/// data and a write is visible once its commit returns.
/// </remarks>
internal sealed partial class Shard : IDisposable
{
    public const string ActiveFileName = "active.log";

    /// <summary>The directory of shard <paramref name="id"/>, relative to its store's.</summary>
    public static string DirectoryName(int id) => $"shard-{id:D3}";
    private const string SegmentsDirectoryName = "segments";
    private const string SegmentExtension = ".seg";

    private readonly string _directory;
    private readonly string _segmentsDirectory;
    private readonly StoreOptions _options;
    private readonly HybridLogicalClock _clock;

    private readonly Lock _appendGate = new();
    private readonly SemaphoreSlim _flushGate = new(1, 1);
    private readonly Lock _indexGate = new();
    private ShardIndex _index = new();
    private readonly Lock _slotsGate = new();
    private readonly List<SegmentSlot> _slots = [];

    private SegmentManifest _manifest = SegmentManifest.Empty;

    // The active segment: written only by the flush leader, under _flushGate.
    private SafeFileHandle _activeHandle = null!;
    private long _activeLength;
    private int _activeSlot;
    private readonly Blake3Hasher _activeHasher = new();
    private long _activeFirstLsn;
    private long _activeRecords;
    private bool _unsynced;

    // The append side: under _appendGate.
    private long _nextLsn;
    private long _bytesTowardRoll;
    private PendingBatch _pending = new();
    private PendingBatch _spare = new();
    private long _appendedTicket;

    private long _committedTicket;
    private ShardFailedException? _failure;

    // Published for readers by the flush leader; never locked.
    private LogTail _tail = new(0, 1, 0, 1);
    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private Shard(int id, string directory, StoreOptions options, HybridLogicalClock clock)
    {
        Id = id;
        _directory = directory;
        _segmentsDirectory = Path.Combine(directory, SegmentsDirectoryName);
        _options = options;
        _clock = clock;
    }

    public int Id { get; }

    /// <summary>Keys whose latest version is live or a tombstone.</summary>
    public int IndexedKeys
    {
        get
        {
            lock (_indexGate)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>The LSN the next appended record gets.</summary>
    public long NextLsn
    {
        get
        {
            lock (_appendGate)
            {
                return _nextLsn;
            }
        }
    }

    public IReadOnlyList<SealedSegmentEntry> SealedSegments => Volatile.Read(ref _manifest).Segments;

    public string SegmentPath(string hash) => Path.Combine(_segmentsDirectory, hash + SegmentExtension);

    private string ActivePath => Path.Combine(_directory, ActiveFileName);

    /// <summary>The hash of the active segment's bytes so far (the hash it would be sealed under now).</summary>
    public async ValueTask<Blake3Hash> ActiveHashAsync(CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            return _activeHasher.FinalizeHash();
        }
        finally
        {
            _flushGate.Release();
        }
    }

    private int AddSlot(string path)
    {
        lock (_slotsGate)
        {
            _slots.Add(new SegmentSlot(path));
            return _slots.Count - 1;
        }
    }

    private SegmentSlot Slot(int slot)
    {
        lock (_slotsGate)
        {
            return _slots[slot];
        }
    }

    /// <summary>
    /// Takes a failed shard out of service before it is reopened: once no flush runs, its write handle is closed, so
    /// nothing more reaches its files through this object. Readers' handles stay valid until <see cref="Dispose"/>.
    /// </summary>
    public async ValueTask RetireAsync()
    {
        await _flushGate.WaitAsync();
        try
        {
            _activeHandle?.Dispose();
        }
        finally
        {
            _flushGate.Release();
        }
    }

    public void Dispose()
    {
        _activeHandle?.Dispose();
        lock (_slotsGate)
        {
            foreach (var slot in _slots)
            {
                slot.Dispose();
            }
        }

        _flushGate.Dispose();
        _activeHasher.Dispose();
    }
}
