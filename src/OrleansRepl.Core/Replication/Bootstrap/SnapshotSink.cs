using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// The receiving end of a snapshot transfer, made resumable:
/// <list type="bullet">
/// <item>offset 0 starts, or restarts, a fresh <c>.partial</c> file;</item>
/// <item>any other offset must be the next expected one, else <see cref="SnapshotOffsetRegressionException"/>;</item>
/// <item>a running CRC-32C covers every byte; on the last piece a mismatch deletes the partial file and throws
/// <see cref="SnapshotCrcMismatchException"/>, a match fsyncs it and renames it to <c>.snapshot</c>;</item>
/// <item>progress is reported every MiB; <see cref="Abort"/> removes the partial file;</item>
/// <item>a piece of another transfer, or one that overruns the total, aborts and throws
/// <see cref="SnapshotTransportException"/>: the transfer restarts from offset 0;</item>
/// <item>after a crash, <see cref="TryResume"/> reopens the partial file, checks the bytes it holds against the
/// CRC recorded at the last checkpoint, and continues from that offset.</item>
/// </list>
/// Peer-supplied ids name the files only after <see cref="SafeName"/> accepts them.
/// </summary>
public sealed class SnapshotSink : IDisposable
{
    /// <summary>Progress is reported each time this many more bytes have arrived.</summary>
    public const long ProgressEvery = 1 << 20;

    private readonly string _directory;
    private readonly Action<SnapshotProgress>? _progress;
    private Transfer? _transfer;

    public SnapshotSink(string directory, Action<SnapshotProgress>? progress = null)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
        _progress = progress;
    }

    /// <summary>The next offset this sink expects (0 when no transfer is under way).</summary>
    public long NextOffset => _transfer?.Next ?? 0;

    /// <summary>The token of the transfer under way, if any.</summary>
    public string? CurrentToken => _transfer?.Token;

    /// <summary>The CRC-32C of every byte received so far.</summary>
    public uint CrcSoFar => _transfer?.Crc ?? 0;

    /// <summary>The partial file of a transfer from <paramref name="sourceNode"/> under <paramref name="token"/>.</summary>
    public string PartialPath(string sourceNode, string token) =>
        Path.Combine(_directory, $"{SafeName.Check(sourceNode, "source node id")}.{SafeName.Check(token, "snapshot token")}.partial");

    /// <summary>Takes one piece; returns the received snapshot once the last piece checks out, else null.</summary>
    public SnapshotReceived? Accept(SnapshotEnvelope envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var partial = PartialPath(envelope.SourceNode, envelope.Token);
        if (envelope.Offset == 0)
        {
            Abort();
            _transfer = new Transfer(envelope.Token, partial, File.OpenHandle(partial, FileMode.Create, FileAccess.ReadWrite), 0, Crc32C.Running()) { Header = envelope };
            DurableFile.SyncDirectory(_directory); // a checkpoint must never name a partial file a power cut can unmake
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
        else if (envelope.Offset != _transfer.Next)
        {
            throw new SnapshotOffsetRegressionException(envelope.Token, _transfer.Next, envelope.Offset);
        }

        var transfer = _transfer;
        transfer.Header ??= envelope;
        if (transfer.Next + envelope.Data.Length > envelope.TotalBytes || (envelope.Done && transfer.Next + envelope.Data.Length != envelope.TotalBytes))
        {
            Abort();
            throw new SnapshotTransportException($"snapshot {envelope.Token}: {envelope.Data.Length} bytes at offset {envelope.Offset}{(envelope.Done ? " as the last piece" : "")} do not fit its declared {envelope.TotalBytes} bytes; restart from offset 0");
        }

        RandomAccess.Write(transfer.File, envelope.Data.Span, transfer.Next);
        transfer.Running.Append(envelope.Data.Span);
        transfer.Next += envelope.Data.Length;
        transfer.SinceReport += envelope.Data.Length;
        if (transfer.SinceReport >= ProgressEvery)
        {
            transfer.SinceReport = 0;
            _progress?.Invoke(new SnapshotProgress(envelope.Token, transfer.Next, envelope.TotalBytes));
        }

        return envelope.Done ? Finish(transfer, envelope) : null;
    }

    /// <summary>
    /// Makes the bytes received so far durable and returns the point a checkpoint may record: the offset and
    /// the CRC-32C of everything before it.
    /// </summary>
    public (long Offset, uint Crc) Sync()
    {
        if (_transfer is not { } transfer)
        {
            return (0, 0);
        }

        RandomAccess.FlushToDisk(transfer.File);
        return (transfer.Next, transfer.Crc);
    }

    /// <summary>
    /// As <see cref="Sync"/>, with the fsync on the thread pool so receiving goes on meanwhile: the point is taken
    /// now, and every byte before it was written before the fsync starts, so it is durable when the task ends.
    /// Null when no transfer is under way. Pieces may be accepted while it runs; <see cref="Abort"/> may not.
    /// </summary>
    public Task<(long Offset, uint Crc)>? SyncInBackground()
    {
        if (_transfer is not { } transfer)
        {
            return null;
        }

        var point = (transfer.Next, transfer.Crc);
        return Task.Run(() =>
        {
            RandomAccess.FlushToDisk(transfer.File);
            return point;
        });
    }

    /// <summary>
    /// Continues the transfer of <paramref name="token"/> from <paramref name="offset"/> after a restart, if the
    /// partial file still holds that many bytes and they match <paramref name="crc"/>. Anything past the offset
    /// is cut off. Returns false, with the reason, and deletes the partial file when it cannot: start from 0.
    /// </summary>
    public bool TryResume(string sourceNode, string token, long offset, uint crc, out string? reason)
    {
        Abort();
        var partial = PartialPath(sourceNode, token);
        reason = null;
        if (!File.Exists(partial))
        {
            reason = $"no partial file {partial} to resume";
            return false;
        }

        var file = File.OpenHandle(partial, FileMode.Open, FileAccess.ReadWrite);
        var held = RandomAccess.GetLength(file);
        var running = held >= offset ? CrcOfPrefix(file, offset) : null;
        var computed = running?.GetCurrentHashAsUInt32() ?? 0;
        if (held < offset || computed != crc)
        {
            file.Dispose();
            File.Delete(partial);
            reason = held < offset
                ? $"the partial file {partial} holds {held} bytes, fewer than the {offset} checkpointed"
                : $"the first {offset} bytes of {partial} have CRC-32C {computed:x8}, not the checkpointed {crc:x8}";
            return false;
        }

        RandomAccess.SetLength(file, offset);
        _transfer = new Transfer(token, partial, file, offset, running!);
        return true;
    }

    /// <summary>Ends the transfer under way, if any, and deletes its partial file.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _transfer, null) is { } transfer)
        {
            transfer.File.Dispose();
            File.Delete(transfer.Path);
        }
    }

    public void Dispose()
    {
        // Disposing keeps the partial file: a restart may resume it. Only Abort deletes it.
        Interlocked.Exchange(ref _transfer, null)?.File.Dispose();
    }

    private SnapshotReceived Finish(Transfer transfer, SnapshotEnvelope last)
    {
        if (transfer.Crc != last.TotalCrc32C)
        {
            var computed = transfer.Crc;
            Abort();
            throw new SnapshotCrcMismatchException(last.Token, last.TotalCrc32C, computed);
        }

        RandomAccess.FlushToDisk(transfer.File);
        transfer.File.Dispose();
        _transfer = null;
        var final = Path.ChangeExtension(transfer.Path, ".snapshot");
        DurableFile.Rename(transfer.Path, final);
        _progress?.Invoke(new SnapshotProgress(last.Token, transfer.Next, last.TotalBytes));
        return new SnapshotReceived(final, last with { Data = ReadOnlyMemory<byte>.Empty });
    }

    private static bool SameSnapshot(SnapshotEnvelope a, SnapshotEnvelope b) =>
        a.SourceCluster == b.SourceCluster && a.SourceNode == b.SourceNode && a.Token == b.Token
        && a.TotalBytes == b.TotalBytes && a.TotalCrc32C == b.TotalCrc32C && a.StoreRoot == b.StoreRoot
        && a.SnapshotLsns.SequenceEqual(b.SnapshotLsns);

    private static Crc32 CrcOfPrefix(SafeFileHandle file, long length)
    {
        var buffer = new byte[1 << 20];
        var crc = Crc32C.Running();
        for (var at = 0L; at < length;)
        {
            var read = RandomAccess.Read(file, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - at)), at);
            if (read == 0)
            {
                break;
            }

            crc.Append(buffer.AsSpan(0, read));
            at += read;
        }

        return crc;
    }

    private sealed class Transfer(string token, string path, SafeFileHandle file, long next, Crc32 running)
    {
        public string Token { get; } = token;

        public string Path { get; } = path;

        public SafeFileHandle File { get; } = file;

        public SnapshotEnvelope? Header { get; set; }

        public long Next { get; set; } = next;

        /// <summary>The running CRC-32C of the bytes written so far.</summary>
        public Crc32 Running { get; } = running;

        public uint Crc => Running.GetCurrentHashAsUInt32();

        public long SinceReport { get; set; }
    }
}

/// <summary>A whole snapshot, checked and durable at <see cref="Path"/>; <see cref="Header"/> says what it must install to.</summary>
public sealed record SnapshotReceived(string Path, SnapshotEnvelope Header);
