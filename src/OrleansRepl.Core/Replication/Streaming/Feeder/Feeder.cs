using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Syncup;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.Streaming.Feeder;

/// <summary>
/// The leader side of log streaming: serves every shard of a store to followers on one TCP endpoint. Each
/// connection is one shard's stream: handshake, <see cref="SyncRequest"/> / <see cref="ShardInfo"/>, syncup,
/// then batches with at most <see cref="StreamingOptions.MaxInFlightBatches"/> unacknowledged.
/// </summary>
public sealed partial class Feeder : IAsyncDisposable
{
    /// <summary>Refusals told why at once; a connection beyond them is closed without a word, so a flood holds few descriptors.</summary>
    private const int MaxRefusing = 8;

    private readonly IReplicaStore _store;
    private readonly SnapshotSource? _snapshots;
    private readonly NodeCredentials _credentials;
    private readonly StreamingOptions _options;
    private readonly Func<long> _epoch;

    /// <summary>Where each follower's acknowledged LSNs are recorded, for writes that wait on them; null when none do.</summary>
    private readonly ReplicaProgress? _progress;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _sessions = [];
    private readonly Lock _sessionsGate = new();
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private int _live;
    private int _refusing;
    private int _maxConnections;
    private int _maxPerAddress;
    private TcpListener? _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private CancellationTokenSource _connections = new();

    /// <summary>A feeder of <paramref name="store"/>; with <paramref name="snapshots"/> it also serves snapshot bootstraps on the same port, without it refuses them.</summary>
    public Feeder(IReplicaStore store, NodeCredentials credentials, StreamingOptions options, Func<long> epoch, ILogger<Feeder> logger, SnapshotSource? snapshots = null, ReplicaProgress? progress = null)
    {
        options.ThrowIfInvalid();
        _snapshots = snapshots;
        _store = store;
        _credentials = credentials;
        _options = options;
        _epoch = epoch;
        _progress = progress;
        _logger = logger;
    }

    /// <summary>Where the feeder listens, once started (port 0 in the request becomes the real port here).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)(_listener?.LocalEndpoint ?? throw new InvalidOperationException("the feeder is not started"));

    /// <summary>The connections served at once: <see cref="StreamingOptions.MaxConnections"/>, or fewer where the process's file-descriptor budget is smaller.</summary>
    public int MaxConnections => _maxConnections;

    public void Start(IPEndPoint listen)
    {
        (_maxConnections, _maxPerAddress) = (_options.MaxConnections, _options.MaxConnectionsPerAddress);
        if (DescriptorBudget.Read() is var (limit, open) && DescriptorBudget.Connections(limit, open) is var budget && budget < _maxConnections)
        {
            (_maxConnections, _maxPerAddress) = (budget, Math.Min(_maxPerAddress, budget));
            LogDescriptorBudget(_logger, limit, open, budget, _options.MaxConnections, DescriptorBudget.Reserve(limit));
        }

        _listener = new TcpListener(listen);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync(_stopping.Token);
        LogListening(_logger, EndPoint);
    }

    /// <summary>Closes every open stream (followers reconnect); the feeder keeps listening. For operators and fault tests.</summary>
    public void DropConnections() => Interlocked.Exchange(ref _connections, new CancellationTokenSource()).Cancel();

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener?.Stop();
        DropConnections();
        await _acceptLoop;
        Task[] sessions;
        lock (_sessionsGate)
        {
            sessions = [.. _sessions];
        }

        await Task.WhenAll(sessions);
        _stopping.Dispose();
    }

    /// <summary>Accepts connections until the feeder stops (<see cref="AcceptLoop"/>); each is served, or refused over the limits.</summary>
    private Task AcceptLoopAsync(CancellationToken stopping) => AcceptLoop.RunAsync(
        _listener!.AcceptSocketAsync,
        socket =>
        {
            var session = Admit(socket) is { } refusal
                ? RefuseAsync(socket, refusal) // beside accepting (or closed at once when many are), and awaited on disposal like any session
                : ServeAsync(socket, CancellationTokenSource.CreateLinkedTokenSource(stopping, Volatile.Read(ref _connections).Token));
            lock (_sessionsGate)
            {
                _sessions.RemoveAll(t => t.IsCompleted);
                _sessions.Add(session);
            }
        },
        (e, pause) => LogAcceptFailed(_logger, EndPoint, e.SocketErrorCode, e.Message, pause.TotalMilliseconds),
        stopping);

    /// <summary>
    /// Counts <paramref name="socket"/> against <see cref="StreamingOptions.MaxConnections"/> and
    /// <see cref="StreamingOptions.MaxConnectionsPerAddress"/>; returns why it is refused, or null once it is counted.
    /// </summary>
    private string? Admit(Socket socket)
    {
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        lock (_sessionsGate)
        {
            var fromThere = _perAddress.GetValueOrDefault(address);
            if (_live >= _maxConnections)
            {
                return $"{_credentials.NodeId} serves {_live} connections, its limit (MaxConnections, or the file-descriptor budget); try again later";
            }

            if (fromThere >= _maxPerAddress)
            {
                return $"{_credentials.NodeId} serves {fromThere} connections from {address}, the limit for one address (MaxConnectionsPerAddress); try again later";
            }

            _live++;
            _perAddress[address] = fromThere + 1;
            return null;
        }
    }

    /// <summary>
    /// Tells a connection over the limits why it is refused, then closes it; while <see cref="MaxRefusing"/> others
    /// are being told, closes it at once, so refusing a flood never holds more than a few descriptors.
    /// </summary>
    private async Task RefuseAsync(Socket socket, string reason)
    {
        if (Interlocked.Increment(ref _refusing) > MaxRefusing)
        {
            Interlocked.Decrement(ref _refusing);
            socket.Dispose();
            return;
        }

        try
        {
            LogConnectionRefused(_logger, socket.RemoteEndPoint, reason);

            // Told over TLS when TLS is on (a client could not read it otherwise); at most MaxRefusing such
            // handshakes run at once, each within the handshake deadline.
            using var deadline = new CancellationTokenSource(_options.HandshakeTimeout);
            await using var connection = await SecureChannel.AcceptAsync(socket, _credentials.Tls, Handshake.MaxFrameLength, deadline.Token);
            await connection.FailAsync(ErrorCode.Internal, reason);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or ProtocolException or OperationCanceledException)
        {
            // It went away first, or did not complete TLS in time; it is closed either way.
            socket.Dispose();
        }
        finally
        {
            Interlocked.Decrement(ref _refusing);
        }
    }

    private void Release(IPAddress address)
    {
        lock (_sessionsGate)
        {
            _live--;
            if (--_perAddress[address] == 0)
            {
                _perAddress.Remove(address);
            }
        }
    }

    private async Task ServeAsync(Socket socket, CancellationTokenSource session)
    {
        using var _ = session;
        var address = (socket.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        var remote = socket.RemoteEndPoint;
        FrameConnection? connection = null;
        try
        {
            string peer;
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(session.Token))
            {
                // A connection that does not complete TLS and prove the secret in time is closed: no one without
                // a certificate from the cluster's CA and the secret holds a session open.
                handshake.CancelAfter(_options.HandshakeTimeout);
                try
                {
                    connection = await SecureChannel.AcceptAsync(socket, _credentials.Tls, _options.MaxFrameLength, handshake.Token);
                    peer = await Handshake.AcceptAsync(connection, _credentials, handshake.Token);
                }
                catch (OperationCanceledException) when (!session.IsCancellationRequested)
                {
                    var what = connection is null ? "TLS handshake" : "handshake";
                    LogSessionEnded(_logger, remote, $"no {what} within {_options.HandshakeTimeout.TotalSeconds:F1} s");
                    if (connection is not null)
                    {
                        await connection.FailAsync(ErrorCode.Authentication, $"no handshake within {_options.HandshakeTimeout.TotalSeconds:F1} s");
                    }

                    return;
                }
            }

            var first = await connection.ReadAsync(session.Token);
            if (AntiEntropyServer.Opens(first.Type))
            {
                LogServingAntiEntropy(_logger, peer);
                await AntiEntropyServer.ServeAsync(connection, _store, first, _options.MaxBatchBytes, session.Token);
                return;
            }

            if (first.Type == MessageType.SnapshotRequest)
            {
                if (_snapshots is null)
                {
                    await connection.FailAsync(ErrorCode.Protocol, $"node {_credentials.NodeId} serves no snapshots");
                    return;
                }

                await _snapshots.ServeAsync(connection, first, session.Token);
                return;
            }

            var request = ProtocolMessage.Decode<SyncRequest>(first);
            if (await RefusalAsync(connection, request) is { } refusal)
            {
                LogRefused(_logger, peer, request.Shard, refusal);
                return;
            }

            await connection.SendAsync(new ShardInfo(_store.ShardCount, _epoch(), 1, _store.NextLsn(request.Shard)), session.Token);
            if (request.Flags.HasFlag(SyncFlags.InfoOnly))
            {
                return;
            }

            var start = await SyncupFeeder.RunAsync(connection, new SyncupLog(_store, request.Shard), session.Token);
            if (start is not { } from)
            {
                LogRestoreRequested(_logger, peer, request.Shard);
                return;
            }

            LogStreaming(_logger, peer, request.Shard, from);

            // The follower holds everything before where it resumes: committed on its side before it asked.
            _progress?.Acknowledged(request.Shard, peer, _epoch(), from - 1);
            await StreamAsync(connection, request.Shard, from, peer, session.Token);
        }
        catch (Exception e) when (e is ProtocolException or IOException or SocketException or OperationCanceledException or StorageException or System.Threading.Channels.ChannelClosedException)
        {
            // A send after the connection closed surfaces as ChannelClosedException: just another lost connection.
            LogSessionEnded(_logger, remote, e.Message);
        }
        finally
        {
            await NodeConnection.CloseAsync(connection, socket);
            Release(address);
        }
    }

    /// <summary>Why a stream request is refused, after telling the follower so; null when it is acceptable.</summary>
    private async ValueTask<string?> RefusalAsync(FrameConnection connection, SyncRequest request)
    {
        var (code, reason) = request switch
        {
            _ when request.ProtocolVersion != Handshake.ProtocolVersion =>
                (ErrorCode.Version, $"stream protocol version {request.ProtocolVersion} is not supported; this leader speaks {Handshake.ProtocolVersion}"),
            _ when request.ShardCount != _store.ShardCount && !request.Flags.HasFlag(SyncFlags.InfoOnly) =>
                (ErrorCode.Shard, $"the follower's store has {request.ShardCount} shards; the leader's has {_store.ShardCount}"),
            _ when request.Shard < 0 || request.Shard >= _store.ShardCount =>
                (ErrorCode.Shard, $"shard {request.Shard} does not exist; the leader has shards 0..{_store.ShardCount - 1}"),
            _ when request.Epoch > _epoch() =>
                (ErrorCode.Epoch, $"the follower has seen leader epoch {request.Epoch}; this leader is at epoch {_epoch()} and is stale"),
            _ => (default(ErrorCode), null),
        };
        if (reason is not null)
        {
            await connection.FailAsync(code, reason);
        }

        return reason;
    }
}
