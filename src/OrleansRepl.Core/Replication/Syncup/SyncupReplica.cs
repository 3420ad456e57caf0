using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;

namespace OrleansRepl.Core.Replication.Syncup;

/// <summary>
/// The replica side of syncup: find the last entry both logs hold identically, walking back over the
/// replica's sync points, and settle on it, or ask for a restore.
/// </summary>
/// <remarks>
/// 1. Propose the replica's last sync point.
/// 2. The feeder answers Entry, AlternateMatchpoint (first answer only: the proposal is past its log), or EntryNotFound.
/// 3. On a fingerprint mismatch, step back to the previous sync point and ask again.
/// 4. On a match, send StartStream(matchpoint + 1). The caller then rolls the log back to the matchpoint.
/// A restore is requested instead when there is no common sync point, when the rollback would be deeper
/// than <c>rollbackLimit</c> records, or when it would cut into a sealed segment.
/// </remarks>
public static class SyncupReplica
{
    public const long DefaultRollbackLimit = 10_000;

    /// <summary>
    /// Runs the replica's side over <paramref name="connection"/>. <paramref name="leaderFirstLsn"/> is the first
    /// LSN the leader's log still holds, from its ShardInfo.
    /// </summary>
    public static async ValueTask<SyncupOutcome> RunAsync(FrameConnection connection, SyncupLog log, long leaderFirstLsn, long rollbackLimit, CancellationToken cancellationToken)
    {
        var last = log.NextLsn - 1;
        if (last == 0)
        {
            // An empty replica shares nothing and has nothing to roll back: it streams from the start when
            // the leader's log still begins at LSN 1 (empty or not), and needs a restore otherwise.
            return leaderFirstLsn == 1
                ? await ConvergeAsync(connection, 0, 0, cancellationToken)
                : await RestoreAsync(connection, 1, $"the leader's log of shard {log.Shard} starts at LSN {leaderFirstLsn}; an empty replica cannot stream from LSN 1", cancellationToken);
        }

        var floor = Math.Max(log.RollbackFloor, last - rollbackLimit);
        if (await log.SyncPointAtOrBeforeAsync(last, floor, cancellationToken) is not { } candidate)
        {
            return await RestoreAsync(connection, last, $"no sync point in the last {last - floor} records the replica may roll back", cancellationToken);
        }

        var firstExchange = true;
        while (true)
        {
            await connection.SendAsync(new EntryRequest(candidate.Lsn), cancellationToken);
            var frame = await connection.ReadAsync(cancellationToken);
            switch (frame.Type)
            {
                case MessageType.Entry:
                    var entry = ProtocolMessage.Decode<Entry>(frame);
                    if (entry.Lsn == candidate.Lsn && entry.Fingerprint == candidate.Fingerprint)
                    {
                        return await ConvergeAsync(connection, candidate.Lsn, last - candidate.Lsn, cancellationToken);
                    }

                    break;

                case MessageType.AlternateMatchpoint when firstExchange:
                    var alternate = ProtocolMessage.Decode<AlternateMatchpoint>(frame);
                    firstExchange = false;
                    if (alternate.Lsn < floor || await log.EntryAsync(alternate.Lsn, cancellationToken) is not { } mine)
                    {
                        return await RestoreAsync(connection, alternate.Lsn, $"the leader's log ends at sync point {alternate.Lsn}, below the replica's rollback floor {floor}", cancellationToken);
                    }

                    candidate = mine;
                    continue;

                case MessageType.EntryNotFound:
                    return await RestoreAsync(connection, candidate.Lsn, $"the leader holds no entry at LSN {candidate.Lsn}", cancellationToken);

                default:
                    throw new UnexpectedMessageException(frame.Type, "Entry, AlternateMatchpoint or EntryNotFound");
            }

            firstExchange = false;
            if (await log.SyncPointAtOrBeforeAsync(candidate.Lsn - 1, floor, cancellationToken) is not { } previous)
            {
                return await RestoreAsync(connection, candidate.Lsn, $"no common sync point between LSN {floor} and {last} (rollback limit {rollbackLimit} records, rollback floor {log.RollbackFloor})", cancellationToken);
            }

            candidate = previous;
        }
    }

    private static async ValueTask<SyncupOutcome> ConvergeAsync(FrameConnection connection, long matchpoint, long rollback, CancellationToken cancellationToken)
    {
        await connection.SendAsync(new StartStream(matchpoint + 1), cancellationToken);
        return new SyncupOutcome.Matchpoint(matchpoint, rollback);
    }

    private static async ValueTask<SyncupOutcome> RestoreAsync(FrameConnection connection, long failedLsn, string reason, CancellationToken cancellationToken)
    {
        await connection.SendAsync(new RestoreRequest(failedLsn), cancellationToken);
        await connection.ReadAsync<RestoreResponse>(cancellationToken);
        return new SyncupOutcome.NeedsRestore(failedLsn, reason);
    }
}
