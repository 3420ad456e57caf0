using System.Net;
using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>
/// Pull-only anti-entropy with one peer: every <see cref="AntiEntropyOptions.Interval"/>, or at once
/// on <see cref="SyncNow"/>, compare segment-set roots; if they differ, descend the peer's tree only where it
/// differs, fetch the segments this node lacks, and import each (BLAKE3 check, then last-writer-wins merge).
/// Progress is saved in a <see cref="PeerCursor"/> after every step. Errors are logged and the loop goes on.
/// </summary>
public sealed partial class AntiEntropyLoop
{
    private readonly IReplicaStore _store;
    private readonly EndPoint _peer;
    private readonly NodeCredentials _credentials;
    private readonly AntiEntropyOptions _options;
    private readonly IPeerCursorStore _cursors;
    private readonly ISegmentUploader? _uploader;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>
    /// The largest segment taken from the peer, checked against its declared length before anything is allocated: no
    /// larger than this store would write itself (<see cref="StoreOptions.LargestSegmentBytes"/>), nor than
    /// <see cref="AntiEntropyOptions.MaxSegmentBytes"/>, nor than an array can hold.
    /// </summary>
    private long MaxSegmentBytes => Math.Min(Math.Min(_store.Options.LargestSegmentBytes, _options.MaxSegmentBytes), Array.MaxLength);

    public AntiEntropyLoop(IReplicaStore store, EndPoint peer, NodeCredentials credentials, AntiEntropyOptions options, IPeerCursorStore cursors, ISegmentUploader? uploader, ILogger<AntiEntropyLoop> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _store = store;
        _peer = peer;
        _credentials = credentials;
        _options = options;
        _cursors = cursors;
        _uploader = uploader;
        _logger = logger;
    }

    /// <summary>The node id the peer must have; another node at its address is refused at the handshake. Null takes any node of the cluster.</summary>
    public string? ExpectedPeer { get; init; }

    /// <summary>The last cycle's report; null before the first one completes.</summary>
    public AntiEntropyReport? LastReport { get; private set; }

    /// <summary>Why the last cycle failed; null after a cycle that completed.</summary>
    public string? LastError { get; private set; }

    /// <summary>Cycles until <paramref name="cancellationToken"/> fires, the first after <see cref="AntiEntropyOptions.InitialDelay"/>; a failed cycle is logged and retried at the next interval.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_options.InitialDelay > TimeSpan.Zero)
            {
                await _wake.WaitAsync(_options.InitialDelay, cancellationToken);
            }

            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    LastReport = await RunOnceAsync(cancellationToken);
                    LastError = null;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && EndsACycle(e))
                {
                    LastError = e.Message;
                    LogCycleFailed(_logger, _peer, e.Message);
                }

                await _wake.WaitAsync(_options.Interval, cancellationToken);
            }
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && EndsACycle(e))
        {
            // Stopping: a cycle whose connection broke meanwhile is part of the stop, not a failure.
        }
    }

    /// <summary>A failure that ends one cycle, not the loop: a broken session, or a peer's segment that does not parse.</summary>
    private static bool EndsACycle(Exception e) => SessionFailure.IsTransient(e) || e is InvalidDataException;

    /// <summary>Starts the next cycle now instead of at the interval.</summary>
    public void SyncNow()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // A wake-up is already pending.
        }
    }
}
