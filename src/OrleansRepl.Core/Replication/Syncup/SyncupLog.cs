using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.Syncup;

/// <summary>One entry as syncup compares it: LSN, fingerprint, and whether it is a safe matchpoint.</summary>
public readonly record struct SyncupEntry(long Lsn, uint Fingerprint, bool IsSyncPoint);

/// <summary>One shard's log as both sides of syncup read it.</summary>
public sealed class SyncupLog(IReplicaStore store, int shard)
{
    public int Shard => shard;

    /// <summary>The LSN after the last committed record; 1 for an empty log.</summary>
    public long NextLsn => store.NextLsn(shard);

    /// <summary>The oldest LSN this side can still roll back to.</summary>
    public long RollbackFloor => store.RollbackFloor(shard);

    public async ValueTask<SyncupEntry?> EntryAsync(long lsn, CancellationToken cancellationToken)
    {
        if (lsn < 1 || lsn >= NextLsn)
        {
            return null;
        }

        var records = await store.ReadLogAsync(shard, lsn, maxRecords: 1, cancellationToken: cancellationToken);
        return records is [var record] && record.Lsn == lsn
            ? new SyncupEntry(lsn, RecordCodec.Fingerprint(record), record.SyncPoint)
            : null;
    }

    /// <summary>The last sync point at or before <paramref name="lsn"/>, looking back no further than <paramref name="floor"/>.</summary>
    public async ValueTask<SyncupEntry?> SyncPointAtOrBeforeAsync(long lsn, long floor, CancellationToken cancellationToken)
    {
        for (var candidate = Math.Min(lsn, NextLsn - 1); candidate >= Math.Max(floor, 1); candidate--)
        {
            if (await EntryAsync(candidate, cancellationToken) is { IsSyncPoint: true } entry)
            {
                return entry;
            }
        }

        return null;
    }
}
