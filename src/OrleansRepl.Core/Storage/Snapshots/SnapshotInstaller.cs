using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Index;

namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>
/// Builds a store from a snapshot stream in one pass, fed in pieces of any size as they arrive. Each part of the
/// payload is written straight to its file in a staging directory and kept in memory until it is whole; a whole part
/// is then verified on another core while the next one arrives (BLAKE3 against the header's hash for a sealed
/// segment; every record decoded; an active segment's LSNs against its shard's), and fsynced. At most one part is
/// being verified, so memory holds two parts at most. <see cref="CompleteAsync"/> checks the trailer's CRC-32C and
/// writes the manifests: only then is the staging directory a store, and the caller renames it into place.
/// <para>A transfer cut off after a <see cref="SyncInBackground"/> point is continued with <see cref="ResumeAsync"/>,
/// which replays what the staging directory holds through the same checks.</para>
/// <para>Asked to, it also indexes the sealed segments as it verifies them (<see cref="Index"/>), so the store it
/// built opens without reading them again.</para>
/// </summary>
internal sealed partial class SnapshotInstaller : IDisposable
{
    /// <summary>The received header, kept in the staging directory so a resumed transfer knows the layout.</summary>
    public const string HeaderFileName = "snapshot.header";

    /// <summary>A header this long without ending is not one: about 1M segment entries.</summary>
    private const int MaxHeaderBytes = 64 << 20;

    private readonly string _staging;
    private readonly StoreOptions _options;
    private readonly long _maxPartBytes;
    private readonly bool _indexing;
    private readonly Crc32 _crc = Crc32C.Running();
    private readonly SnapshotTimer _timer = new();
    private readonly HashSet<string> _unsyncedDirectories = [];
    private readonly byte[] _trailer = new byte[SnapshotFormat.TrailerSize];
    private byte[] _header = new byte[4096];
    private SnapshotLayout? _layout;
    private Blake3Hash[] _activeHashes = [];
    private ShardIndexSeed[] _seeds = [];
    private int _part;
    private long _partDone;
    private SafeFileHandle? _file;
    private byte[] _image = [];
    private byte[] _spare = [];
    private Task _verifying = Task.CompletedTask;
    private bool _replaying;

    private SnapshotInstaller(string staging, StoreOptions options, bool replaying, bool indexing)
    {
        _staging = staging;
        _options = options;
        _replaying = replaying;
        _indexing = indexing;
        _maxPartBytes = MaxPartBytes(options);
    }

    /// <summary>Bytes taken so far.</summary>
    public long Offset { get; private set; }

    /// <summary>The declared length, once the header is in.</summary>
    public long? Total => _layout?.Total;

    /// <summary>The shard count, once the header is in.</summary>
    public int? ShardCount => _layout?.Shards.Count;

    /// <summary>The CRC-32C of every byte taken so far, the trailer excepted.</summary>
    public uint Crc => _crc.GetCurrentHashAsUInt32();

    public SnapshotInstallTimings Timings => _timer.Snapshot();

    /// <summary>The index of the sealed segments, once <see cref="CompleteAsync"/> has returned, if indexing was asked for.</summary>
    public InstalledIndex? Index { get; private set; }

    /// <summary>
    /// The largest part accepted: four roll sizes, at least 64 MiB each, up to 1 GiB. A segment rolls past the roll
    /// size by at most one batch, so any store rolling at no more than four times this one's fits; a header declaring
    /// more is refused before anything is written, since the part must fit in memory to be verified.
    /// </summary>
    public static long MaxPartBytes(StoreOptions options) => Math.Min(4 * Math.Max(options.SegmentRollBytes, 64L << 20), 1L << 30);

    /// <summary>
    /// Starts an install into <paramref name="staging"/>, created if absent; the caller clears out anything it held.
    /// With <paramref name="indexing"/>, sealed segments are indexed as they are verified (<see cref="Index"/>).
    /// </summary>
    public static SnapshotInstaller Start(string staging, StoreOptions options, bool indexing = false)
    {
        Directory.CreateDirectory(staging);
        return new SnapshotInstaller(staging, options, replaying: false, indexing);
    }

    /// <summary>Takes the next bytes of the stream.</summary>
    public async ValueTask AcceptAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_layout is null)
            {
                data = await TakeHeaderAsync(data);
            }
            else if (Offset < _layout.PayloadLength)
            {
                data = await TakePartAsync(data);
            }
            else
            {
                data = TakeTrailer(data);
            }
        }
    }

    /// <summary>
    /// Takes the point a checkpoint may record (the offset and the CRC-32C before it) and makes every byte before it
    /// durable on the thread pool, so receiving goes on meanwhile: the parts finished before it are verified and
    /// fsynced, the part under way is fsynced, and so is every directory that gained a file.
    /// </summary>
    public Task<(long Offset, uint Crc)> SyncInBackground()
    {
        var point = (Offset, Crc);
        var verifying = _verifying;
        var current = _file is null || _layout is null ? null : Path.Combine(_staging, _layout.Parts[_part].RelativePath);
        var directories = _unsyncedDirectories.ToArray();
        _unsyncedDirectories.Clear();
        return Task.Run(async () =>
        {
            await verifying;
            var started = SnapshotTimer.Now;
            if (current is not null)
            {
                // Another descriptor of the same file: fsync makes the file's data durable whichever one it is given.
                using var file = File.OpenHandle(current, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
                RandomAccess.FlushToDisk(file);
            }

            foreach (var directory in directories)
            {
                DurableFile.SyncDirectory(directory);
            }

            _timer.Fsync(started);
            return point;
        });
    }

    /// <summary>
    /// Ends the install once every byte is in: waits for the last verification, checks the trailer, writes the
    /// manifests and makes it all durable. Returns what was installed; the staging directory is then a store.
    /// </summary>
    public async ValueTask<SnapshotInfo> CompleteAsync()
    {
        if (_layout is not { } layout || Offset != layout.Total)
        {
            throw new SnapshotCorruptException(Offset, _layout is null ? "the stream ends inside its header" : $"the stream ends {_layout.Total - Offset} bytes early");
        }

        await WaitForVerificationAsync();
        var declared = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_trailer);
        if (declared != Crc)
        {
            throw new SnapshotCorruptException(layout.PayloadLength, $"declared CRC-32C {declared:x8}, computed {Crc:x8}");
        }

        var started = SnapshotTimer.Now;
        for (var i = 0; i < layout.Shards.Count; i++)
        {
            var shard = Path.Combine(_staging, Shard.DirectoryName(i));
            DurableFile.SyncDirectory(Path.Combine(shard, "segments"));
            new SegmentManifest(layout.Shards[i].ActiveFirstLsn, layout.Shards[i].Sealed).Save(shard);
            DurableFile.SyncDirectory(shard);
        }

        new StoreManifest(StoreManifest.CurrentFormat, layout.Shards.Count).Save(_staging);
        File.Delete(Path.Combine(_staging, HeaderFileName));
        DurableFile.SyncDirectory(_staging);
        _timer.Fsync(started);
        Index = _indexing ? new InstalledIndex(_seeds) : null;
        var root = LogStore.ComputeStoreRoot(layout.Shards.SelectMany(s => s.Sealed), _activeHashes);
        return new SnapshotInfo(layout.Total, Crc, root, layout.Shards.Select(s => s.NextLsn - 1).ToList());
    }

    /// <summary>Closes the files, once any verification under way has finished. The staging directory is the caller's to keep or delete.</summary>
    public void Dispose()
    {
        try
        {
            _verifying.Wait();
        }
        catch (AggregateException)
        {
            // A failed verification has already been or will never be reported: the install is over either way.
        }

        _file?.Dispose();
        _file = null;
    }

    private async ValueTask<ReadOnlyMemory<byte>> TakeHeaderAsync(ReadOnlyMemory<byte> data)
    {
        var had = (int)Offset;
        var take = (int)Math.Min(data.Length, MaxHeaderBytes - had);
        if (take == 0)
        {
            throw new SnapshotCorruptException(Offset, $"its header runs past {MaxHeaderBytes} bytes");
        }

        if (had + take > _header.Length)
        {
            Array.Resize(ref _header, (int)Math.Min(Math.Max(had + take, 2L * _header.Length), MaxHeaderBytes));
        }

        data.Span[..take].CopyTo(_header.AsSpan(had));
        if (!SnapshotLayout.TryParse(_header.AsSpan(0, had + take), out var layout))
        {
            Offset += take;
            return data[take..];
        }

        var used = layout!.HeaderLength - had;
        Offset = layout.HeaderLength;
        _crc.Append(_header.AsSpan(0, layout.HeaderLength));
        Begin(layout);
        await AdvanceAsync();
        return data[used..];
    }

    /// <summary>Checks the layout against this store's limits before anything is written, then lays out the staging directory.</summary>
    private void Begin(SnapshotLayout layout)
    {
        if (layout.Shards.Count != _options.ShardCount)
        {
            throw new ShardCountMismatchException("the snapshot", layout.Shards.Count, _options.ShardCount);
        }

        if (layout.Parts.MaxBy(p => p.Length) is { } largest && largest.Length > _maxPartBytes)
        {
            throw new SnapshotCorruptException(largest.Start, $"{largest.Describe()} is {largest.Length} bytes, more than the {_maxPartBytes} a part may be here (4 x SegmentRollBytes {_options.SegmentRollBytes}, at least 64 MiB each, at most 1 GiB)");
        }

        _layout = layout;
        _activeHashes = new Blake3Hash[layout.Shards.Count];
        _seeds = _indexing ? [.. layout.Shards.Select(_ => new ShardIndexSeed())] : [];
        var size = (int)Math.Max(layout.Parts.Max(p => p.Length), 0);
        _image = GC.AllocateUninitializedArray<byte>(size);
        _spare = GC.AllocateUninitializedArray<byte>(size);
        for (var i = 0; i < layout.Shards.Count; i++)
        {
            Directory.CreateDirectory(Path.Combine(_staging, Shard.DirectoryName(i), "segments"));
        }

        if (!_replaying)
        {
            DurableFile.Replace(Path.Combine(_staging, HeaderFileName), _header.AsSpan(0, layout.HeaderLength));
        }

        _header = [];
    }

    private async ValueTask<ReadOnlyMemory<byte>> TakePartAsync(ReadOnlyMemory<byte> data)
    {
        var part = _layout!.Parts[_part];
        var n = (int)Math.Min(data.Length, part.Length - _partDone);
        var piece = data.Span[..n];
        if (!_replaying)
        {
            var started = SnapshotTimer.Now;
            RandomAccess.Write(_file!, piece, _partDone);
            _timer.Write(started);
        }

        piece.CopyTo(_image.AsSpan((int)_partDone));
        _crc.Append(piece);
        _partDone += n;
        Offset += n;
        if (_partDone == part.Length)
        {
            await FinishPartAsync();
            await AdvanceAsync();
        }

        return data[n..];
    }

    private ReadOnlyMemory<byte> TakeTrailer(ReadOnlyMemory<byte> data)
    {
        var at = (int)(Offset - _layout!.PayloadLength);
        var n = Math.Min(data.Length, SnapshotFormat.TrailerSize - at);
        if (n == 0)
        {
            throw new SnapshotCorruptException(Offset, "bytes follow the trailer");
        }

        data.Span[..n].CopyTo(_trailer.AsSpan(at));
        Offset += n;
        return data[n..];
    }

    /// <summary>Opens the file of the part now due; an empty part is finished at once, and so on to the next one with bytes.</summary>
    private async ValueTask AdvanceAsync()
    {
        var parts = _layout!.Parts;
        while (_part < parts.Count)
        {
            var path = Path.Combine(_staging, parts[_part].RelativePath);
            _file = File.OpenHandle(path, _replaying ? FileMode.OpenOrCreate : FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite);
            _unsyncedDirectories.Add(Path.GetDirectoryName(path)!);
            if (parts[_part].Length > 0)
            {
                return;
            }

            await FinishPartAsync();
        }
    }

    /// <summary>Hands the whole part to verification (once the previous one is done) and moves on.</summary>
    private async ValueTask FinishPartAsync()
    {
        await WaitForVerificationAsync();
        var (part, image, file) = (_layout!.Parts[_part], _image, _file!);
        (_image, _spare) = (_spare, _image);
        _file = null;
        _verifying = Task.Run(() => Verify(part, image, file));
        _part++;
        _partDone = 0;
    }

    private async ValueTask WaitForVerificationAsync()
    {
        if (!_verifying.IsCompleted)
        {
            var started = SnapshotTimer.Now;
            await _verifying.ConfigureAwait(false);
            _timer.Stalled(started);
        }

        await _verifying; // surfaces a failed verification
    }
}
