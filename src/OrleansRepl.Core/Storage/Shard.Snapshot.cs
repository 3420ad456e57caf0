using OrleansRepl.Core.Storage.Snapshots;

namespace OrleansRepl.Core.Storage;

/// <summary>Freezing a consistent view of the shard for a snapshot.</summary>
internal sealed partial class Shard
{
    /// <summary>
    /// The shard as of now: sealed segments are immutable, so naming them suffices; the committed part of
    /// the active segment is copied while flushes and rollbacks are held off.
    /// </summary>
    public async ValueTask<ShardSnapshot> FreezeAsync(CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            var tail = Volatile.Read(ref _tail);
            return new ShardSnapshot(tail.NextLsn, _activeFirstLsn, ReadActive(), Volatile.Read(ref _manifest).Segments, SegmentPath);
        }
        finally
        {
            _flushGate.Release();
        }
    }
}
