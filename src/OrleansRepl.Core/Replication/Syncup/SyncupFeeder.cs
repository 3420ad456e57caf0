using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;

namespace OrleansRepl.Core.Replication.Syncup;

/// <summary>
/// The feeder side of syncup: answer the replica's entry requests until it starts the stream or asks for a
/// restore. Returns the LSN to stream from, or null when the replica needs a restore.
/// </summary>
public static class SyncupFeeder
{
    public static async ValueTask<long?> RunAsync(FrameConnection connection, SyncupLog log, CancellationToken cancellationToken)
    {
        var firstResponse = true;
        while (true)
        {
            var frame = await connection.ReadAsync(cancellationToken);
            switch (frame.Type)
            {
                case MessageType.EntryRequest:
                    var request = ProtocolMessage.Decode<EntryRequest>(frame);
                    await RespondAsync(connection, log, request.Lsn, firstResponse, cancellationToken);
                    firstResponse = false;
                    break;

                case MessageType.StartStream:
                    var start = ProtocolMessage.Decode<StartStream>(frame);
                    if (start.FromLsn < 1 || start.FromLsn > log.NextLsn)
                    {
                        var reason = $"StartStream at LSN {start.FromLsn} is outside the leader's log of shard {log.Shard} (LSNs 1..{log.NextLsn - 1})";
                        await connection.FailAsync(ErrorCode.Protocol, reason);
                        throw new UnexpectedMessageException(frame.Type, reason);
                    }

                    return start.FromLsn;

                case MessageType.RestoreRequest:
                    ProtocolMessage.Decode<RestoreRequest>(frame);
                    await connection.SendAsync(default(RestoreResponse), cancellationToken);
                    return null;

                default:
                    throw new UnexpectedMessageException(frame.Type, "EntryRequest, StartStream or RestoreRequest");
            }
        }
    }

    private static async ValueTask RespondAsync(FrameConnection connection, SyncupLog log, long lsn, bool firstResponse, CancellationToken cancellationToken)
    {
        if (await log.EntryAsync(lsn, cancellationToken) is { } entry)
        {
            await connection.SendAsync(new Entry(entry.Lsn, entry.Fingerprint), cancellationToken);
        }
        else if (firstResponse && lsn >= log.NextLsn && await log.SyncPointAtOrBeforeAsync(log.NextLsn - 1, 1, cancellationToken) is { } last)
        {
            // The proposal is past the end of this log: offer the leader's own last sync point once.
            await connection.SendAsync(new AlternateMatchpoint(last.Lsn, last.Fingerprint), cancellationToken);
        }
        else
        {
            await connection.SendAsync(default(EntryNotFound), cancellationToken);
        }
    }
}
