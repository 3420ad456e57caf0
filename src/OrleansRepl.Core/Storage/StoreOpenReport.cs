namespace OrleansRepl.Core.Storage;

/// <summary>What opening a store found: torn-tail bytes cut per shard, keys indexed, and how long it took.</summary>
public sealed record StoreOpenReport(IReadOnlyList<long> DroppedBytesPerShard, long IndexedKeys, TimeSpan Elapsed)
{
    public long DroppedBytes => DroppedBytesPerShard.Sum();
}
