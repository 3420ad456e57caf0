using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// Bootstraps a new replica from a source's snapshot, driven by a durable intent. At start it applies the
/// single-resumer policy to the intent log: its own one unfinished intent with a snapshot checkpoint is
/// continued from the checkpointed offset under the same token (the staging directory is replayed through every
/// check and compared with the checkpointed CRC first); anything else starts fresh and says why. Pieces are
/// installed as they arrive (see <see cref="SnapshotSink"/>), and received bytes checkpointed every
/// <see cref="BootstrapOptions.CheckpointEvery"/>. The finished store, verified and with the source's root, is renamed
/// into the (empty) store directory.
/// </summary>
public sealed partial class SnapshotPuller
{
    private readonly EndPoint _source;
    private readonly NodeCredentials _credentials;
    private readonly BootstrapOptions _options;
    private readonly IBootstrapIntentLog _intents;
    private readonly ILogger _logger;
    private readonly string? _sourceNode;

    /// <param name="source">Where the source listens.</param>
    /// <param name="credentials">This node's credentials.</param>
    /// <param name="options">How the snapshot is pulled.</param>
    /// <param name="intents">The durable record of this replica's bootstraps.</param>
    /// <param name="logger">Where progress and failures are logged.</param>
    /// <param name="sourceNode">The node expected at <paramref name="source"/>, when known: another node there is refused at the handshake.</param>
    public SnapshotPuller(EndPoint source, NodeCredentials credentials, BootstrapOptions options, IBootstrapIntentLog intents, ILogger<SnapshotPuller> logger, string? sourceNode = null)
    {
        _sourceNode = sourceNode;
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _source = source;
        _credentials = credentials;
        _options = options;
        _intents = intents;
        _logger = logger;
    }

    /// <summary>Where a store's bootstrap keeps its partial snapshot: beside the store, never inside it.</summary>
    public static string WorkDirectory(string storeDirectory) => Path.GetFullPath(storeDirectory).TrimEnd(Path.DirectorySeparatorChar) + ".bootstrap";

    /// <summary>Pulls, installs and verifies a snapshot into <paramref name="storeDirectory"/>.</summary>
    /// <param name="storeDirectory">Where the store is installed; it must hold none yet.</param>
    /// <param name="storeOptions">Options of the installed store; the shard count comes from the snapshot.</param>
    /// <param name="progress">Told of bytes received every MiB.</param>
    /// <param name="cancellationToken">Stops the transfer; the intent stays unfinished and a later run resumes it.</param>
    /// <param name="started">Told, before each request, what is asked for: a new snapshot, or a token from an offset.</param>
    /// <param name="installInto">
    /// Where the verified store is installed instead of <paramref name="storeDirectory"/> (which then names the work
    /// files only): a staging directory the caller swaps into place, so the store it replaces stays until then.
    /// </param>
    /// <param name="indexing">
    /// Index the sealed segments while verifying them (<see cref="BootstrapResult.Index"/>), for a caller that opens the
    /// store at once: <see cref="LogStore.Open(string, StoreOptions, Storage.Index.InstalledIndex?)"/> then reads only the active segments.
    /// </param>
    public async Task<BootstrapResult> RunAsync(string storeDirectory, StoreOptions storeOptions, Action<SnapshotProgress>? progress, CancellationToken cancellationToken, Action<BootstrapStart>? started = null, string? installInto = null, bool indexing = false)
    {
        ArgumentNullException.ThrowIfNull(storeOptions);
        var target = installInto ?? storeDirectory;
        if (LogStore.StoredShardCount(target) is { } shards)
        {
            throw new StoreArgumentException($"{target} already holds a {shards}-shard store; a bootstrap installs only where there is none");
        }

        using var sink = new SnapshotSink(Path.Combine(WorkDirectory(storeDirectory), "recv"), storeOptions, progress, indexing, _options.MaxSnapshotBytes);
        var clock = Stopwatch.StartNew();
        string? intent = null;
        string? restartReason = null;
        long resumedFrom = 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var (connection, source) = await NodeConnection.OpenAsync(_source, _credentials, _options.RequestTimeout, _options.MaxFrameLength, cancellationToken, _sourceNode);
                await using (connection)
                {
                    var (token, offset) = ("", 0L);
                    if (intent is null)
                    {
                        (intent, token, offset, restartReason) = await StartOrResumeAsync(sink, source, cancellationToken);
                        resumedFrom = offset;
                    }
                    else if (sink.NextOffset > 0 && sink.CurrentToken is { } current)
                    {
                        (token, offset) = (current, sink.NextOffset); // this process holds the transfer's state: continue it
                    }

                    LogRequesting(_logger, source, token.Length == 0 ? "a new snapshot" : token, offset);
                    started?.Invoke(new BootstrapStart(source, token.Length == 0 ? null : token, offset, restartReason));
                    var (received, transfer, waiting) = await ReceiveAsync(connection, sink, intent, token, offset, cancellationToken);
                    var installing = Stopwatch.StartNew();
                    var installed = Install(received, target);
                    await _intents.CompleteAsync(intent, cancellationToken);
                    LogInstalled(_logger, received.Header.Token, received.Header.TotalBytes, installed.StoreRoot, transfer.TotalSeconds, waiting.TotalSeconds,
                        received.Timings.Write.TotalSeconds, received.Timings.Hash.TotalSeconds, received.Timings.Records.TotalSeconds, received.Timings.Fsync.TotalSeconds);
                    return new BootstrapResult(intent, source, received.Header.TotalBytes, clock.Elapsed, installed.StoreRoot, installed.ShardLsns, resumedFrom, restartReason)
                    {
                        LastTransfer = transfer,
                        Install = installing.Elapsed,
                        WaitingForSource = waiting,
                        Timings = received.Timings,
                        Index = received.Index,
                    };
                }
            }
            catch (RemoteErrorException e) when (e.Code == ErrorCode.SnapshotExpired && attempt < _options.MaxAttempts)
            {
                // The source no longer holds that snapshot: this transfer cannot be finished. Start a new one.
                sink.Abort();
                restartReason = e.Message;
                LogRestarting(_logger, e.Message);
            }
            catch (Exception e) when (attempt < _options.MaxAttempts && !cancellationToken.IsCancellationRequested && e is ConnectionClosedException or IOException or System.Net.Sockets.SocketException or SnapshotTransportException)
            {
                if (e is SnapshotTransportException)
                {
                    sink.Abort();
                }

                LogRetrying(_logger, attempt, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
            catch (SnapshotCorruptException)
            {
                // The source sent a snapshot that fails its checks (it may surface from a checkpoint, beside the
                // transfer): nothing of it is kept, and the bootstrap ends with the reason.
                sink.Abort();
                throw;
            }
        }
    }
}
