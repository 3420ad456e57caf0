using System.Net;
using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Replication.Syncup;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.Streaming.Follower;

/// <summary>
/// The replica side of one shard's stream: connect, authenticate, sync up, roll back to the matchpoint,
/// then apply batches and ack them, reconnecting with capped, jittered exponential backoff. Apply is
/// idempotent by LSN, so a reconnect resumes from the store's own next LSN and loses or repeats nothing.
/// </summary>
public sealed partial class Follower
{
    private readonly IReplicaStore _store;
    private readonly EndPoint _leader;
    private readonly NodeCredentials _credentials;
    private readonly StreamingOptions _options;
    private readonly ICursorStore _cursors;
    private readonly Func<long> _epoch;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FollowerCursor _cursor = new(0, 0, default, default);
    private long _sinceSave;
    private Task _saving = Task.CompletedTask;
    private long _leaderNextLsn;

    /// <summary>The node id the leader must have; another node at its address is refused at the handshake. Null takes any node of the cluster.</summary>
    public string? ExpectedLeader { get; init; }

    public Follower(IReplicaStore store, int shard, EndPoint leader, NodeCredentials credentials, StreamingOptions options, ICursorStore cursors, Func<long> epoch, ILogger<Follower> logger)
    {
        options.ThrowIfInvalid();
        _store = store;
        Shard = shard;
        _leader = leader;
        _credentials = credentials;
        _options = options;
        _cursors = cursors;
        _epoch = epoch;
        _logger = logger;
    }

    public int Shard { get; }

    public FollowerState State { get; private set; } = FollowerState.Connecting;

    public string? LastError { get; private set; }

    public long AppliedTotal => Volatile.Read(ref _cursor).AppliedTotal;

    public int Reconnects { get; private set; }

    /// <summary>Records the leader had, at its last word, that this follower has not applied.</summary>
    public long LagRecords => Math.Max(0, Volatile.Read(ref _leaderNextLsn) - _store.NextLsn(Shard));

    /// <summary>
    /// How old the newest applied record is, by its hybrid logical timestamp (milliseconds in the upper 48
    /// bits); 0 once caught up and idle.
    /// </summary>
    public double LagMilliseconds =>
        LagRecords == 0 ? 0 : Math.Max(0, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)(Volatile.Read(ref _cursor).MaxVersionSeen.Timestamp >> 16));

    /// <summary>Completes the first time the leader reports this follower caught up.</summary>
    public Task CaughtUp => _caughtUp.Task;

    /// <summary>Follows until <paramref name="cancellationToken"/> fires, a restore is needed, or a rejection cannot be retried.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            _cursor = await _cursors.LoadAsync(Shard, cancellationToken) ?? _cursor;
        }
        catch (InvalidDataException e)
        {
            // The cursor only reports progress: the store's own next LSN is where streaming resumes. A damaged
            // one is replaced at the next save; say so rather than refuse to follow.
            LogCursorDamaged(_logger, Shard, e.Message);
        }

        FollowerMetrics.Register(this);
        var attempt = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await SessionAsync(cancellationToken);
                    if (State == FollowerState.NeedsRestore)
                    {
                        return;
                    }
                }
                catch (Exception e) when (IsPermanent(e))
                {
                    State = FollowerState.Failed;
                    LastError = e.Message;
                    LogFailed(_logger, Shard, e.Message);
                    return;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && SessionFailure.IsTransient(e))
                {
                    LastError = e.Message;
                    Reconnects++;
                    FollowerMetrics.Reconnects.Add(1, FollowerMetrics.Shard(this));
                    LogReconnecting(_logger, Shard, e.Message);
                }

                attempt = State is FollowerState.Streaming or FollowerState.CatchingUp ? 0 : attempt + 1;
                await Task.Delay(Backoff(attempt), cancellationToken);
            }
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && SessionFailure.IsTransient(e))
        {
            // Stopping: a connection that broke or a read that was cut meanwhile is part of the stop, not a failure.
        }
        finally
        {
            FollowerMetrics.Unregister(this);
            await _saving.ContinueWith(static _ => { }, TaskScheduler.Default); // a failed save is reported by the final one
            await _cursors.SaveAsync(Shard, _cursor, CancellationToken.None);
            if (State is not (FollowerState.NeedsRestore or FollowerState.Failed))
            {
                State = FollowerState.Stopped;
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var exponential = _options.ReconnectBase.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        var capped = Math.Min(exponential, _options.ReconnectCap.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + (0.4 * Random.Shared.NextDouble())));
    }

    private static bool IsPermanent(Exception e) =>
        e is HandshakeRejectedException
        || e is RemoteErrorException { Code: ErrorCode.Authentication or ErrorCode.Cluster or ErrorCode.Version or ErrorCode.Shard or ErrorCode.Epoch };

    private async Task SessionAsync(CancellationToken cancellationToken)
    {
        State = FollowerState.Connecting;
        await using var connection = await LeaderConnection.OpenAsync(_leader, _credentials, _options, cancellationToken, ExpectedLeader);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var flags = _store.NextLsn(Shard) == 1 ? SyncFlags.EmptyState : SyncFlags.None;
        await connection.SendAsync(new SyncRequest(Shard, Handshake.ProtocolVersion, flags, _epoch(), _store.ShardCount), session.Token);
        var info = await connection.ReadAsync<ShardInfo>(session.Token);
        Volatile.Write(ref _leaderNextLsn, info.NextLsn);

        State = FollowerState.Syncing;
        var outcome = await SyncupReplica.RunAsync(connection, new SyncupLog(_store, Shard), info.FirstLsn, _options.RollbackLimit, session.Token);
        if (outcome is SyncupOutcome.NeedsRestore restore)
        {
            State = FollowerState.NeedsRestore;
            LastError = restore.Reason;
            LogNeedsRestore(_logger, Shard, restore.Reason);
            return;
        }

        var matchpoint = (SyncupOutcome.Matchpoint)outcome;
        if (matchpoint.RollbackRecords > 0)
        {
            await _store.RollbackToAsync(Shard, matchpoint.Lsn, session.Token);
        }

        State = FollowerState.CatchingUp;
        LogStreaming(_logger, Shard, matchpoint.Lsn + 1, info.NextLsn);
        var heartbeats = SendHeartbeatsAsync(connection, session.Token);
        try
        {
            await ApplyStreamAsync(connection, session.Token);
        }
        finally
        {
            await session.CancelAsync();
            await heartbeats;
        }
    }
}
