namespace OrleansRepl.Core.Storage;

/// <summary>The log as replication sees it: reading by LSN, waiting for more, applying a leader's records, rolling back.</summary>
public sealed partial class LogStore
{
    /// <summary>The LSN the next committed record of <paramref name="shard"/> will have.</summary>
    public long NextLsn(int shard) => ShardAt(shard).CommittedNextLsn;

    /// <inheritdoc cref="Shard.ReadLogAsync"/>
    public ValueTask<IReadOnlyList<LogRecord>> ReadLogAsync(int shard, long fromLsn, int maxRecords = 1024, int maxBytes = 1 << 20, CancellationToken cancellationToken = default) =>
        ShardAt(shard).ReadLogAsync(fromLsn, maxRecords, maxBytes, cancellationToken);

    /// <inheritdoc cref="Shard.WaitForLsnAsync"/>
    public ValueTask WaitForLsnAsync(int shard, long lsn, CancellationToken cancellationToken = default) =>
        ShardAt(shard).WaitForLsnAsync(lsn, cancellationToken);

    /// <summary>
    /// Applies a leader's records to <paramref name="shard"/> with their LSNs, versions and seal points,
    /// and returns when they are committed. Already-applied LSNs are skipped; a gap throws
    /// <see cref="ReplicationGapException"/> naming the expected and the actual LSN, and applies nothing.
    /// </summary>
    public async ValueTask ApplyReplicatedAsync(int shard, IReadOnlyList<LogRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            if (record.Kind != RecordKind.Seal && (record.Key.Length == 0 || record.Key.Length > Options.MaxKeyBytes || record.Value.Length > Options.MaxValueBytes))
            {
                throw new StoreArgumentException($"shard {shard}: replicated record at LSN {record.Lsn} has a {record.Key.Length}-byte key and a {record.Value.Length}-byte value, beyond this store's limits");
            }

            if (record.Kind != RecordKind.Seal && ShardOf(record.Key.Span) != shard)
            {
                throw new StoreArgumentException($"replicated record at LSN {record.Lsn} belongs to shard {ShardOf(record.Key.Span)}, not {shard}");
            }
        }

        var target = ShardAt(shard);
        var ticket = target.AppendReplicated(records);
        if (ticket != 0)
        {
            await target.CommitAsync(ticket, cancellationToken);
        }
    }

    /// <inheritdoc cref="Shard.RollbackFloor"/>
    public long RollbackFloor(int shard) => ShardAt(shard).RollbackFloor;

    /// <inheritdoc cref="Shard.RollbackToAsync"/>
    public ValueTask<long> RollbackToAsync(int shard, long lsn, CancellationToken cancellationToken = default) =>
        ShardAt(shard).RollbackToAsync(lsn, cancellationToken);

    private Shard ShardAt(int shard) =>
        (uint)shard < (uint)_shards.Length ? _shards[shard] : throw new StoreArgumentException($"shard {shard} does not exist; this store has shards 0..{_shards.Length - 1}");
}
