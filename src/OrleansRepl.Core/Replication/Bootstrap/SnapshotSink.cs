using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Snapshots;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// The receiving end of a snapshot transfer, made resumable. Pieces are installed as they arrive, in one pass,
/// into a staging store directory (<c>{source}.{token}.partial</c>) that becomes the store by a rename:
/// <list type="bullet">
/// <item>offset 0 starts, or restarts, a fresh staging directory;</item>
/// <item>any other offset must be the next expected one, else <see cref="SnapshotOffsetRegressionException"/>;</item>
/// <item>every part is verified as soon as it is whole (see <see cref="SnapshotInstaller"/>); a running CRC-32C covers
/// every byte, and on the last piece a mismatch with the trailer, or a store root other than the source's, removes
/// the staging directory and throws (<see cref="SnapshotCorruptException"/>, <see cref="SnapshotTransportException"/>);</item>
/// <item>progress is reported every MiB; <see cref="Abort"/> removes the staging directory;</item>
/// <item>a piece of another transfer, or one that overruns the total, aborts and throws
/// <see cref="SnapshotTransportException"/>: the transfer restarts from offset 0;</item>
/// <item>after a crash, <see cref="TryResumeAsync"/> replays the staging directory through every check, compares its
/// CRC with the one recorded at the last checkpoint, and continues from that offset.</item>
/// </list>
/// Peer-supplied ids name the directory only after <see cref="SafeName"/> accepts them.
/// </summary>
public sealed class SnapshotSink : IDisposable
{
    /// <summary>Progress is reported each time this many more bytes have arrived.</summary>
    public const long ProgressEvery = 1 << 20;

    /// <summary>Free space kept beyond a snapshot's size, for the store's first writes after it opens: 64 MiB, and 2% of the snapshot.</summary>
    public static long Headroom(long snapshotBytes) => Math.Max(64L << 20, snapshotBytes / 50);

    private readonly string _directory;
    private readonly StoreOptions _options;
    private readonly Action<SnapshotProgress>? _progress;
    private readonly bool _indexing;
    private readonly long _maxSnapshotBytes;
    private Transfer? _transfer;

    /// <param name="directory">Where staging directories are made; beside the store they become, on the same file system.</param>
    /// <param name="options">Options of the store being installed; its shard count is taken from the snapshot.</param>
    /// <param name="progress">Told of bytes received every MiB.</param>
    /// <param name="indexing">Index the sealed segments while verifying them, for the store to open without reading them again.</param>
    /// <param name="maxSnapshotBytes">The largest snapshot taken; a larger one is refused from its first piece, before anything is written.</param>
    public SnapshotSink(string directory, StoreOptions options, Action<SnapshotProgress>? progress = null, bool indexing = false, long maxSnapshotBytes = long.MaxValue)
    {
        _indexing = indexing;
        _maxSnapshotBytes = maxSnapshotBytes;
        ArgumentNullException.ThrowIfNull(options);
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
        _options = options;
        _progress = progress;
    }

    /// <summary>The next offset this sink expects (0 when no transfer is under way).</summary>
    public long NextOffset => _transfer?.Installer.Offset ?? 0;

    /// <summary>The token of the transfer under way, if any.</summary>
    public string? CurrentToken => _transfer?.Token;

    /// <summary>The CRC-32C of every byte received so far, the trailer excepted.</summary>
    public uint CrcSoFar => _transfer?.Installer.Crc ?? 0;

    /// <summary>The staging directory of a transfer from <paramref name="sourceNode"/> under <paramref name="token"/>.</summary>
    public string PartialPath(string sourceNode, string token) =>
        Path.Combine(_directory, $"{SafeName.Check(sourceNode, "source node id")}.{SafeName.Check(token, "snapshot token")}.partial");

    /// <summary>Takes one piece; returns the installed, verified staging store once the last piece checks out, else null.</summary>
    public async ValueTask<SnapshotReceived?> AcceptAsync(SnapshotEnvelope envelope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var partial = PartialPath(envelope.SourceNode, envelope.Token);
        if (envelope.Offset == 0)
        {
            Abort();
            CheckRoom(envelope);

            // A fresh transfer: one bootstrap of a replica runs at a time, so any staging directory here is left from
            // an earlier one that was killed before it could be resumed (or was given up). None of it is kept.
            foreach (var stale in Directory.GetDirectories(_directory, "*.partial"))
            {
                Directory.Delete(stale, recursive: true);
            }

            _transfer = new Transfer(envelope.Token, partial, SnapshotInstaller.Start(partial, Options(envelope), _indexing)) { Header = envelope };
            DurableFile.SyncDirectory(_directory); // a checkpoint must never name a staging directory a power cut can unmake
        }
        else if (_transfer is null)
        {
            throw new SnapshotOffsetRegressionException(envelope.Token, 0, envelope.Offset);
        }
        else if (_transfer.Path != partial || (_transfer.Header is { } header && !SameSnapshot(header, envelope)))
        {
            var current = _transfer.Path;
            Abort();
            throw new SnapshotTransportException($"a piece of snapshot {envelope.Token} from {envelope.SourceNode} does not belong to the transfer in {current}; it was dropped, restart from offset 0");
        }
        else if (envelope.Offset != _transfer.Installer.Offset)
        {
            throw new SnapshotOffsetRegressionException(envelope.Token, _transfer.Installer.Offset, envelope.Offset);
        }

        var transfer = _transfer;
        transfer.Header ??= envelope;
        var next = transfer.Installer.Offset;
        if (next + envelope.Data.Length > envelope.TotalBytes || (envelope.Done && next + envelope.Data.Length != envelope.TotalBytes))
        {
            Abort();
            throw new SnapshotTransportException($"snapshot {envelope.Token}: {envelope.Data.Length} bytes at offset {envelope.Offset}{(envelope.Done ? " as the last piece" : "")} do not fit its declared {envelope.TotalBytes} bytes; restart from offset 0");
        }

        try
        {
            await transfer.Installer.AcceptAsync(envelope.Data, cancellationToken);
            if (transfer.Installer.Total is { } declared && declared != envelope.TotalBytes)
            {
                throw new SnapshotCorruptException(8, $"its header declares {declared} bytes where the source's pieces say {envelope.TotalBytes}");
            }

            if (transfer.Installer.ShardCount is { } shards && shards != envelope.SnapshotLsns.Count)
            {
                throw new SnapshotCorruptException(16, $"its header declares {shards} shards where the source's pieces carry {envelope.SnapshotLsns.Count} shard LSNs");
            }
        }
        catch (StorageException)
        {
            Abort(); // nothing of a snapshot that fails its checks is kept
            throw;
        }

        transfer.SinceReport += envelope.Data.Length;
        if (transfer.SinceReport >= ProgressEvery)
        {
            transfer.SinceReport = 0;
            _progress?.Invoke(new SnapshotProgress(envelope.Token, transfer.Installer.Offset, envelope.TotalBytes));
        }

        return envelope.Done ? await FinishAsync(transfer, envelope) : null;
    }

    /// <summary>
    /// Refuses a snapshot larger than this sink takes, or than the free space beside the store with its headroom, so
    /// a peer's declared size can neither fill the disk nor start a transfer that must fail at its end.
    /// </summary>
    private void CheckRoom(SnapshotEnvelope envelope)
    {
        if (envelope.TotalBytes > _maxSnapshotBytes)
        {
            throw new SnapshotTooLargeException($"snapshot {envelope.Token} from {envelope.SourceNode} declares {envelope.TotalBytes} bytes, more than the {_maxSnapshotBytes} this node takes (Bootstrap:MaxSnapshotBytes); nothing was written");
        }

        var free = new DriveInfo(_directory).AvailableFreeSpace;
        var needed = envelope.TotalBytes + Headroom(envelope.TotalBytes);
        if (needed > free)
        {
            throw new SnapshotTooLargeException($"snapshot {envelope.Token} from {envelope.SourceNode} declares {envelope.TotalBytes} bytes; with {Headroom(envelope.TotalBytes)} bytes of headroom it needs {needed}, but {_directory} has {free} free; nothing was written");
        }
    }

    /// <summary>
    /// Takes the point a checkpoint may record (the offset and the CRC-32C of everything before it) and makes it
    /// durable on the thread pool, so receiving goes on meanwhile. Null when no transfer is under way. Pieces may be
    /// accepted while it runs; <see cref="Abort"/> may not.
    /// </summary>
    public Task<(long Offset, uint Crc)>? SyncInBackground() => _transfer?.Installer.SyncInBackground();

    /// <summary>
    /// Continues the transfer of <paramref name="token"/> from <paramref name="offset"/> after a restart, if its
    /// staging directory replays through every check to exactly that offset with CRC-32C <paramref name="crc"/>.
    /// Anything past the offset is cut off. Returns the reason, and deletes the staging directory, when it cannot:
    /// start from 0. Null on success.
    /// </summary>
    public async ValueTask<string?> TryResumeAsync(string sourceNode, string token, long offset, uint crc, CancellationToken cancellationToken)
    {
        Abort();
        var partial = PartialPath(sourceNode, token);
        if (!Directory.Exists(partial))
        {
            return $"no staging directory {partial} to resume";
        }

        var (installer, reason) = await SnapshotInstaller.ResumeAsync(partial, _options, offset, crc, _indexing, cancellationToken);
        if (installer is null)
        {
            Directory.Delete(partial, recursive: true);
            return reason;
        }

        _transfer = new Transfer(token, partial, installer);
        return null;
    }

    /// <summary>Ends the transfer under way, if any, and deletes its staging directory.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _transfer, null) is { } transfer)
        {
            transfer.Installer.Dispose();
            if (Directory.Exists(transfer.Path))
            {
                Directory.Delete(transfer.Path, recursive: true);
            }
        }
    }

    public void Dispose()
    {
        // Disposing keeps the staging directory: a restart may resume it. Only Abort deletes it.
        Interlocked.Exchange(ref _transfer, null)?.Installer.Dispose();
    }

    private StoreOptions Options(SnapshotEnvelope envelope) => _options with { ShardCount = envelope.SnapshotLsns.Count };

    private async ValueTask<SnapshotReceived> FinishAsync(Transfer transfer, SnapshotEnvelope last)
    {
        SnapshotInfo installed;
        try
        {
            installed = await transfer.Installer.CompleteAsync();
        }
        catch (StorageException)
        {
            Abort();
            throw;
        }

        if (installed.StoreRoot != last.StoreRoot)
        {
            Abort();
            throw new SnapshotTransportException($"snapshot {last.Token} installs to store root {installed.StoreRoot}, not the source's {last.StoreRoot}; it was removed, restart from offset 0");
        }

        var (timings, index) = (transfer.Installer.Timings, transfer.Installer.Index);
        transfer.Installer.Dispose();
        _transfer = null;
        _progress?.Invoke(new SnapshotProgress(last.Token, installed.Length, last.TotalBytes));
        return new SnapshotReceived(transfer.Path, last with { Data = ReadOnlyMemory<byte>.Empty }, installed, timings) { Index = index };
    }

    private static bool SameSnapshot(SnapshotEnvelope a, SnapshotEnvelope b) =>
        a.SourceCluster == b.SourceCluster && a.SourceNode == b.SourceNode && a.Token == b.Token
        && a.TotalBytes == b.TotalBytes && a.StoreRoot == b.StoreRoot && a.SnapshotLsns.SequenceEqual(b.SnapshotLsns);

    private sealed class Transfer(string token, string path, SnapshotInstaller installer)
    {
        public string Token { get; } = token;

        public string Path { get; } = path;

        public SnapshotInstaller Installer { get; } = installer;

        public SnapshotEnvelope? Header { get; set; }

        public long SinceReport { get; set; }
    }
}

/// <summary>
/// A whole snapshot, verified and installed as a store in the staging directory <see cref="Path"/>, to be renamed
/// into place; <see cref="Header"/> says what it was meant to be, <see cref="Installed"/> what it is.
/// </summary>
public sealed record SnapshotReceived(string Path, SnapshotEnvelope Header, SnapshotInfo Installed, SnapshotInstallTimings Timings)
{
    /// <summary>The index of its sealed segments, when the sink was asked to build one.</summary>
    public Storage.Index.InstalledIndex? Index { get; init; }
}
