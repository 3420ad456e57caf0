using System.Buffers;
using System.Diagnostics;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.Streaming.Feeder;

/// <summary>Streaming one shard to one follower: batches under the in-flight window, acks, heartbeats, CaughtUp.</summary>
public sealed partial class Feeder
{
    private async Task StreamAsync(FrameConnection connection, int shard, long from, string peer, CancellationToken cancellationToken)
    {
        using var window = new SemaphoreSlim(_options.MaxInFlightBatches, _options.MaxInFlightBatches);
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var lastHeard = Stopwatch.GetTimestamp();
        var sentThrough = from; // one past the last LSN sent: no ack may claim more

        var reader = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var frame = await connection.ReadAsync(stream.Token);
                    Volatile.Write(ref lastHeard, Stopwatch.GetTimestamp());
                    switch (frame.Type)
                    {
                        case MessageType.Ack:
                            var ack = ProtocolMessage.Decode<Ack>(frame);
                            if (window.CurrentCount >= _options.MaxInFlightBatches)
                            {
                                // Only the writer takes from the window, and before it sends: a full window means
                                // every batch sent was acknowledged already.
                                throw new UnexpectedMessageException(MessageType.Ack, "an Ack only for a batch sent and not yet acknowledged");
                            }

                            if (ack.LastLsn >= Volatile.Read(ref sentThrough))
                            {
                                throw new UnexpectedMessageException(MessageType.Ack, $"an Ack through LSN {ack.LastLsn}, past the last LSN sent ({Volatile.Read(ref sentThrough) - 1})");
                            }

                            _progress?.Acknowledged(shard, peer, _epoch(), ack.LastLsn);

                            window.Release();
                            break;
                        case MessageType.Heartbeat:
                            ProtocolMessage.Decode<Heartbeat>(frame);
                            break;
                        default:
                            throw new UnexpectedMessageException(frame.Type, "Ack or Heartbeat");
                    }
                }
            }
            catch (ProtocolException e) when (e is UnexpectedMessageException or MalformedMessageException)
            {
                // A violation by the follower ends its session with an Error frame saying which, and nothing else.
                LogProtocolViolation(_logger, shard, e.Message);
                await connection.FailAsync(ErrorCode.Protocol, e.Message);
                throw;
            }
            finally
            {
                await stream.CancelAsync();
            }
        }, CancellationToken.None);

        // One read buffer per stream: a chunk is copied into its frame before the next read reuses it.
        var scratch = ArrayPool<byte>.Shared.Rent(LogChunk.ScratchBytesFor(_options.MaxBatchBytes));
        try
        {
            var next = from;
            var caughtUpSent = false;
            while (!stream.IsCancellationRequested)
            {
                var chunk = await _store.ReadLogChunkAsync(shard, next, _options.MaxBatchRecords, _options.MaxBatchBytes, scratch, stream.Token);
                if (!chunk.IsEmpty)
                {
                    // A follower that vanished with batches unacknowledged (no FIN, no heartbeats) must not hold the
                    // session forever: waiting for the window checks the silence as the idle branch does.
                    while (!await window.WaitAsync(_options.HeartbeatInterval, stream.Token))
                    {
                        if (Stopwatch.GetElapsedTime(Volatile.Read(ref lastHeard)) > _options.DeadAfter)
                        {
                            await connection.FailAsync(ErrorCode.Protocol, $"follower silent for more than {_options.DeadAfter.TotalSeconds:F1} s with {_options.MaxInFlightBatches} batches unacknowledged");
                            return;
                        }
                    }

                    Volatile.Write(ref sentThrough, chunk.LastLsn + 1); // before the send: its ack may come back at once
                    try
                    {
                        await connection.SendAsync(new Batch(chunk), stream.Token);
                    }
                    catch (FrameTooLargeException e)
                    {
                        // Only a single record can outgrow the batch budget: it cannot travel in any frame.
                        var reason = $"shard {shard}: the record at LSN {chunk.FirstLsn} takes {chunk.Bytes.Length} bytes, more than one frame may carry ({e.Message})";
                        LogCannotShip(_logger, reason);
                        await connection.FailAsync(ErrorCode.Internal, reason);
                        throw;
                    }

                    next = chunk.LastLsn + 1;
                    continue;
                }

                if (!caughtUpSent)
                {
                    await connection.SendAsync(new CaughtUp(next - 1), stream.Token);
                    caughtUpSent = true;
                }

                // Idle at the tail: wake for the next record, or send a heartbeat.
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stream.Token);
                idle.CancelAfter(_options.HeartbeatInterval);
                try
                {
                    await _store.WaitForLsnAsync(shard, next, idle.Token);
                }
                catch (OperationCanceledException) when (!stream.IsCancellationRequested)
                {
                    await connection.SendAsync(new Heartbeat(_store.NextLsn(shard)), stream.Token);
                    if (Stopwatch.GetElapsedTime(Volatile.Read(ref lastHeard)) > _options.DeadAfter)
                    {
                        await connection.FailAsync(ErrorCode.Protocol, $"follower silent for more than {_options.DeadAfter.TotalSeconds:F1} s");
                        return;
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
            await stream.CancelAsync();
            try
            {
                await reader;
            }
            catch (Exception e) when (e is ProtocolException or IOException or OperationCanceledException)
            {
                // The reader ends when the stream does; a protocol fault from it has already ended the stream.
            }
        }
    }
}
