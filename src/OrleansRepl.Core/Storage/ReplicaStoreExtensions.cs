namespace OrleansRepl.Core.Storage;

/// <summary>The log as decoded records, for syncup, tools and tests; streaming moves chunks and never decodes.</summary>
public static class ReplicaStoreExtensions
{
    /// <summary>Committed records from <paramref name="fromLsn"/> on, decoded; the records alias one read buffer.</summary>
    public static async ValueTask<IReadOnlyList<LogRecord>> ReadLogAsync(this IReplicaStore store, int shard, long fromLsn, int maxRecords = 1024, int maxBytes = 1 << 20, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var chunk = await store.ReadLogChunkAsync(shard, fromLsn, maxRecords, maxBytes, cancellationToken: cancellationToken);
        return chunk.Decode(int.MaxValue);
    }

    /// <summary>Encodes consecutive records as a chunk and applies it (see <see cref="IReplicaStore.ApplyReplicatedAsync"/>).</summary>
    public static ValueTask<ChunkApplyResult> ApplyReplicatedAsync(this IReplicaStore store, int shard, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.ApplyReplicatedAsync(shard, LogChunk.Encode(records), cancellationToken);
    }
}
