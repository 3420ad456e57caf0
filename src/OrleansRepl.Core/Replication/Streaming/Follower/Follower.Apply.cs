using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.Streaming.Follower;

/// <summary>The stream itself: apply each batch, ack it, keep the cursor; a silent leader ends the session.</summary>
public sealed partial class Follower
{
    private async Task ApplyStreamAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lease = await connection.ReadLeasedAsync(_options.DeadAfter, "the leader", cancellationToken);

            // The batch is copied into the store before the lease goes back to the pool.
            using (lease)
            {
                await HandleAsync(connection, lease.Frame, cancellationToken);
            }
        }
    }

    private async ValueTask HandleAsync(FrameConnection connection, Frame frame, CancellationToken cancellationToken)
    {
        switch (frame.Type)
        {
            case MessageType.Batch:
                ChunkApplyResult applied;
                try
                {
                    applied = await _store.ApplyReplicatedAsync(Shard, ProtocolMessage.Decode<Batch>(frame).Records, cancellationToken);
                }
                catch (ClockSkewException e)
                {
                    throw e.From($"leader {_leader}");
                }

                await connection.SendAsync(new Ack(applied.Records, applied.LastLsn, applied.MaxVersion), cancellationToken);
                AdvanceCursor(applied.Records, applied.LastLsn, applied.MaxVersion);
                FollowerMetrics.RecordsApplied.Add(applied.Records, FollowerMetrics.Shard(this));
                FollowerMetrics.BytesApplied.Add(applied.KeyValueBytes, FollowerMetrics.Shard(this));
                break;

            case MessageType.Heartbeat:
                Volatile.Write(ref _leaderNextLsn, ProtocolMessage.Decode<Heartbeat>(frame).NextLsn);
                break;

            case MessageType.CaughtUp:
                var caughtUp = ProtocolMessage.Decode<CaughtUp>(frame);
                Volatile.Write(ref _leaderNextLsn, Math.Max(Volatile.Read(ref _leaderNextLsn), caughtUp.Lsn + 1));
                State = FollowerState.Streaming;
                _caughtUp.TrySetResult();
                break;

            case MessageType.Error:
                var error = ProtocolMessage.Decode<ErrorMessage>(frame);
                throw new RemoteErrorException(error.Code, error.Reason);

            default:
                throw new UnexpectedMessageException(frame.Type, "Batch, Heartbeat or CaughtUp");
        }
    }

    private void AdvanceCursor(long applied, long lastLsn, RecordVersion maxVersion)
    {
        var previous = _cursor;
        Volatile.Write(ref _cursor, new FollowerCursor(lastLsn, previous.AppliedTotal + applied, maxVersion > previous.MaxVersionSeen ? maxVersion : previous.MaxVersionSeen, DateTimeOffset.UtcNow));
        _sinceSave += applied;
        if (_sinceSave < _options.CursorSaveEvery || !_saving.IsCompleted)
        {
            return;
        }

        // Saving fsyncs twice; it runs beside the stream, never in front of the next ack, and saves never
        // overlap. A cursor that lags the store loses nothing: apply is idempotent by LSN.
        if (_saving.Exception is { } failed)
        {
            LastError = $"saving the cursor failed: {failed.GetBaseException().Message}";
        }

        _sinceSave = 0;
        var snapshot = _cursor;
        _saving = Task.Run(() => _cursors.SaveAsync(Shard, snapshot, CancellationToken.None).AsTask(), CancellationToken.None);
    }

    private async Task SendHeartbeatsAsync(FrameConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(_options.HeartbeatInterval);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await connection.SendAsync(new Heartbeat(_store.NextLsn(Shard)), cancellationToken);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or System.Threading.Channels.ChannelClosedException)
        {
        }
    }
}
