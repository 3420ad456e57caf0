using System.Diagnostics;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Merkle;

using OrleansRepl.Core.Storage.Index;

namespace OrleansRepl.Core.Storage;

/// <summary>
/// The default local store: N shards, each an append-only log in content-addressed segments, with an
/// in-memory last-writer-wins index. One process owns a store directory at a time.
/// </summary>
/// <remarks>
/// Layout: <c>STORE</c> (format and shard count), <c>LOCK</c>, and per shard <c>shard-NNN/</c> holding
/// <c>MANIFEST</c>, <c>active.log</c> and <c>segments/&lt;blake3&gt;.seg</c>.
/// </remarks>
public sealed partial class LogStore : IReplicaStore, IAsyncDisposable
{
    private static readonly byte[] StoreRootKey = SegmentSetTree.DeriveKey("OrleansRepl 2026-11-22 store root");

    private readonly DirectoryLock _lock;
    private readonly Shard[] _shards; // an element is replaced when a failed shard is reopened
    private readonly HybridLogicalClock _clock;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _intervalSync;

    private LogStore(string directory, StoreOptions options, DirectoryLock directoryLock, Shard[] shards, HybridLogicalClock clock, StoreOpenReport report)
    {
        Directory = directory;
        Options = options;
        _lock = directoryLock;
        _shards = shards;
        _clock = clock;
        OpenReport = report;
        WatchFailures();
        _intervalSync = options.Fsync == FsyncMode.Interval ? SyncPeriodicallyAsync(_stopping.Token) : Task.CompletedTask;
    }

    public string Directory { get; }

    public StoreOptions Options { get; }

    public int ShardCount => _shards.Length;

    public StoreOpenReport OpenReport { get; }

    /// <summary>
    /// Opens the store in <paramref name="directory"/>, creating it if absent. Cuts a torn tail (an unfinished
    /// last write, never acknowledged) and reports it; refuses to open with <see cref="ShardDamagedException"/> on
    /// damage, changing nothing, and on a shard-count mismatch or another owner.
    /// </summary>
    /// <remarks>
    /// The promise: an acknowledged write is never removed by recovery. Only an operator's salvage
    /// (<see cref="Recovery.StoreSalvage"/>) or a restore from a replica replaces a damaged file, and both keep the
    /// original aside. <see cref="Recovery.LogAudit"/> holds the rule that tells a torn tail from damage.
    /// </remarks>
    public static LogStore Open(string directory, StoreOptions options) => Open(directory, options, installed: null);

    /// <summary>
    /// Opens the store in <paramref name="directory"/> as <see cref="Open(string, StoreOptions)"/> does, taking what
    /// the snapshot install that just wrote it learned (<paramref name="installed"/>) in place of reading its sealed
    /// segments again, for each shard it still describes exactly.
    /// </summary>
    public static LogStore Open(string directory, StoreOptions options, InstalledIndex? installed)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new StoreArgumentException($"invalid store options: {string.Join("; ", problems)}");
        }

        var started = Stopwatch.GetTimestamp();
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var directoryLock = DirectoryLock.Acquire(directory);
        var shards = new List<Shard>();
        try
        {
            var manifest = File.Exists(Path.Combine(directory, StoreManifest.FileName))
                ? StoreManifest.Load(directory)
                : CreateManifest(directory, options);
            if (manifest.FormatVersion != StoreManifest.CurrentFormat)
            {
                throw new SegmentCorruptException(Path.Combine(directory, StoreManifest.FileName), 0, $"format {manifest.FormatVersion} is not the supported {StoreManifest.CurrentFormat}");
            }

            if (manifest.ShardCount != options.ShardCount)
            {
                throw new ShardCountMismatchException(directory, manifest.ShardCount, options.ShardCount);
            }

            var clock = new HybridLogicalClock(options.Time, options.MaxClockSkew);
            var dropped = new long[manifest.ShardCount];
            var opened = new Shard?[manifest.ShardCount];
            try
            {
                // Shards recover independently (the clock is thread-safe), so their scans run in parallel.
                Parallel.For(0, manifest.ShardCount, i => opened[i] = Shard.Open(i, ShardDirectory(directory, i), options, clock, out dropped[i], installed?.For(i)));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0)
            {
                Array.ForEach(opened, s => s?.Dispose());
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
            }

            shards.AddRange(opened!);

            var report = new StoreOpenReport(dropped, shards.Sum(s => (long)s.IndexedKeys), Stopwatch.GetElapsedTime(started));
            return new LogStore(directory, options, directoryLock, [.. shards], clock, report);
        }
        catch
        {
            shards.ForEach(s => s.Dispose());
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>The shard count an existing store was created with, or null when <paramref name="directory"/> holds no store.</summary>
    public static int? StoredShardCount(string directory) =>
        File.Exists(Path.Combine(directory, StoreManifest.FileName)) ? StoreManifest.Load(directory).ShardCount : null;

    /// <summary>
    /// The shard that owns <paramref name="key"/>: CRC-32C of the key modulo the shard count. Part of the
    /// on-disk format, so it never changes for an existing store.
    /// </summary>
    public int ShardOf(ReadOnlySpan<byte> key) => ShardOf(key, _shards.Length);

    /// <summary>The shard of <paramref name="key"/> in a store of <paramref name="shardCount"/> shards; clients route writes by it.</summary>
    public static int ShardOf(ReadOnlySpan<byte> key, int shardCount) =>
        shardCount > 0 ? (int)(Crc32C.Compute(key) % (uint)shardCount) : throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "a store has at least one shard");

    public ValueTask PutAsync(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        WriteAsync([WriteOperation.Put(key, value)], cancellationToken);

    public ValueTask DeleteAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default) =>
        WriteAsync([WriteOperation.Delete(key)], cancellationToken);

    /// <summary>
    /// Applies the operations, each shard's share as consecutive LSNs, and returns when all are committed
    /// under the fsync policy. Every operation is checked first; if any is invalid, nothing is written.
    /// Each shard's share commits on its own: a batch that spans shards is not atomic across them (a
    /// crash or a failed shard can leave one share written and another not). Cancelling stops the wait,
    /// not the write.
    /// </summary>
    public async ValueTask WriteAsync(IReadOnlyList<WriteOperation> operations, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
        for (var i = 0; i < operations.Count; i++)
        {
            Check(operations[i], i);
        }

        if (operations.Count == 1)
        {
            var shard = _shards[ShardOf(operations[0].Key.Span)];
            await shard.CommitAsync(shard.Append(operations, Options.NodeOrigin), cancellationToken);
            return;
        }

        var byShard = new List<WriteOperation>?[_shards.Length];
        foreach (var operation in operations)
        {
            (byShard[ShardOf(operation.Key.Span)] ??= []).Add(operation);
        }

        var tickets = new long[_shards.Length];
        for (var i = 0; i < _shards.Length; i++)
        {
            tickets[i] = byShard[i] is { } share ? _shards[i].Append(share, Options.NodeOrigin) : 0;
        }

        for (var i = 0; i < _shards.Length; i++)
        {
            if (tickets[i] != 0)
            {
                await _shards[i].CommitAsync(tickets[i], cancellationToken);
            }
        }
    }

    public byte[]? Get(ReadOnlySpan<byte> key) => _shards[ShardOf(key)].Get(key);

    /// <summary>Live keys starting with <paramref name="prefix"/> across all shards, in byte order of the key.</summary>
    public IReadOnlyList<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix)
    {
        var all = new List<KeyValuePair<byte[], byte[]>>();
        foreach (var shard in _shards)
        {
            all.AddRange(shard.Scan(prefix));
        }

        all.Sort(static (left, right) => left.Key.AsSpan().SequenceCompareTo(right.Key));
        return all;
    }

    /// <summary>Seals every non-empty active segment, as log events at the current end of each shard.</summary>
    public async ValueTask SealAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var shard in _shards)
        {
            await shard.CommitAsync(shard.AppendSeal(Options.NodeOrigin), cancellationToken);
        }
    }

    public IReadOnlyList<SegmentInfo> ListSegments() =>
        _shards.SelectMany(shard => shard.SealedSegments.Select(s =>
            new SegmentInfo(shard.Id, Blake3Hash.Parse(s.Hash), s.FirstLsn, s.LastLsn, s.Bytes, s.Records, s.Imported))).ToList();

    /// <summary>The segment-set tree over every sealed segment of every shard.</summary>
    public SegmentSetTree SegmentTree() => new(ListSegments().Select(s => s.Hash));

    public Blake3Hash MerkleRoot() => SegmentTree().Root;

    /// <summary>The segment-set tree node at <paramref name="depth"/> under <paramref name="prefix"/> (one hex digit per level).</summary>
    public Blake3Hash MerkleNode(int depth, ReadOnlySpan<byte> prefix) => SegmentTree().Node(depth, prefix);

    /// <summary>
    /// BLAKE3 (keyed for this purpose) over the segment-set root and each shard's active-segment hash, in
    /// shard order. It holds no LSN counters or local fields, so identical logs give identical roots.
    /// </summary>
    public async ValueTask<Blake3Hash> StoreRootAsync(CancellationToken cancellationToken = default)
    {
        var active = new List<Blake3Hash>(_shards.Length);
        foreach (var shard in _shards)
        {
            active.Add(await shard.ActiveHashAsync(cancellationToken));
        }

        return ComputeStoreRoot(MerkleRoot(), active);
    }

    /// <summary>The store root of a store holding <paramref name="sealedSegments"/> and these active segments (a snapshot's, before or after it travels).</summary>
    internal static Blake3Hash ComputeStoreRoot(IEnumerable<Files.SealedSegmentEntry> sealedSegments, IReadOnlyList<Blake3Hash> activeHashes) =>
        ComputeStoreRoot(new Merkle.SegmentSetTree(sealedSegments.Select(s => Blake3Hash.Parse(s.Hash))).Root, activeHashes);

    internal static Blake3Hash ComputeStoreRoot(Blake3Hash segmentSetRoot, IReadOnlyList<Blake3Hash> activeHashes)
    {
        var material = new byte[Blake3Hash.Size * (1 + activeHashes.Count)];
        segmentSetRoot.CopyTo(material);
        for (var i = 0; i < activeHashes.Count; i++)
        {
            activeHashes[i].CopyTo(material.AsSpan(Blake3Hash.Size * (i + 1)));
        }

        return Blake3Hasher.KeyedHash(StoreRootKey, material);
    }

    /// <summary>
    /// Re-reads every record and checks every sealed segment's hash. Throws <see cref="SegmentCorruptException"/>
    /// naming the segment and offset of the first fault.
    /// </summary>
    public async ValueTask<StoreVerifyReport> VerifyAsync(CancellationToken cancellationToken = default)
    {
        long records = 0;
        var segments = 0;
        foreach (var shard in _shards)
        {
            var (shardRecords, shardSegments) = await shard.VerifyAsync(cancellationToken);
            records += shardRecords;
            segments += shardSegments;
        }

        return new StoreVerifyReport(records, segments, await StoreRootAsync(cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync();
        try
        {
            await _intervalSync;
        }
        catch (OperationCanceledException)
        {
        }

        await StopReopeningAsync();

        foreach (var shard in _shards)
        {
            try
            {
                // Records appended by writers that stopped waiting still belong in the log.
                await shard.FlushAsync(CancellationToken.None);
                await shard.SyncIfDirtyAsync(CancellationToken.None);
            }
            catch (ShardFailedException)
            {
                // Already reported to its writers; the files hold what was written before the failure.
            }
            finally
            {
                shard.Dispose();
            }
        }

        _lock.Dispose();
        _stopping.Dispose();
    }

    private void Check(in WriteOperation operation, int index)
    {
        if (operation.Key.Length is 0 || operation.Key.Length > Options.MaxKeyBytes)
        {
            throw new StoreArgumentException($"operation {index}: key is {operation.Key.Length} bytes; keys must be 1 to {Options.MaxKeyBytes} bytes");
        }

        if (operation.Value.Length > Options.MaxValueBytes)
        {
            throw new StoreArgumentException($"operation {index}: value is {operation.Value.Length} bytes; the limit is {Options.MaxValueBytes}");
        }
    }

    private static StoreManifest CreateManifest(string directory, StoreOptions options)
    {
        var manifest = new StoreManifest(StoreManifest.CurrentFormat, options.ShardCount);
        manifest.Save(directory);
        return manifest;
    }

    private async Task SyncPeriodicallyAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.FsyncInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var shard in _shards)
            {
                await shard.SyncIfDirtyAsync(cancellationToken);
            }
        }
    }
}
