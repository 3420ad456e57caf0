using System.Buffers;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage;

/// <summary>The log as replication sees it: reading by LSN, waiting for more, applying a leader's records, rolling back.</summary>
public sealed partial class LogStore
{
    /// <summary>The LSN the next committed record of <paramref name="shard"/> will have.</summary>
    public long NextLsn(int shard) => ShardAt(shard).CommittedNextLsn;

    /// <inheritdoc cref="Shard.BytesAfter"/>
    public long BytesAfter(int shard, long lsn) => ShardAt(shard).BytesAfter(lsn);

    /// <inheritdoc cref="Shard.ReadLogChunkAsync"/>
    public ValueTask<LogChunk> ReadLogChunkAsync(int shard, long fromLsn, int maxRecords, int maxBytes, Memory<byte> scratch = default, CancellationToken cancellationToken = default) =>
        ShardAt(shard).ReadLogChunkAsync(fromLsn, maxRecords, maxBytes, scratch, cancellationToken);

    /// <inheritdoc cref="Shard.WaitForLsnAsync"/>
    public ValueTask WaitForLsnAsync(int shard, long lsn, CancellationToken cancellationToken = default) =>
        ShardAt(shard).WaitForLsnAsync(lsn, cancellationToken);

    /// <summary>
    /// Applies a leader's chunk to <paramref name="shard"/> verbatim and returns when it is committed. Every
    /// record is checked first (checksum, lengths against this store's limits, LSN order, the key's shard);
    /// one bad record rejects the whole chunk with <see cref="StoreArgumentException"/> (or <see cref="ClockSkewException"/>
    /// for a timestamp too far ahead) and nothing is applied.
    /// Already-applied LSNs are skipped; a chunk that starts past the next LSN throws
    /// <see cref="ReplicationGapException"/> naming the expected and the actual LSN, and applies nothing.
    /// </summary>
    public async ValueTask<ChunkApplyResult> ApplyReplicatedAsync(int shard, LogChunk chunk, CancellationToken cancellationToken = default)
    {
        var target = ShardAt(shard);
        if (chunk.IsEmpty)
        {
            return new ChunkApplyResult(0, chunk.FirstLsn - 1, default, 0);
        }

        var records = ArrayPool<PendingRecord>.Shared.Rent(chunk.Count);
        long ticket;
        ChunkApplyResult result;
        try
        {
            result = CheckChunk(shard, chunk, records.AsSpan(0, chunk.Count));
            ticket = target.AppendReplicated(chunk, records.AsSpan(0, chunk.Count));
        }
        finally
        {
            ArrayPool<PendingRecord>.Shared.Return(records);
        }

        if (ticket != 0)
        {
            await target.CommitAsync(ticket, cancellationToken);
        }

        return result;
    }

    /// <summary>Checks every record of a peer's chunk and locates it; throws naming the first bad one.</summary>
    private ChunkApplyResult CheckChunk(int shard, in LogChunk chunk, Span<PendingRecord> located)
    {
        var offset = 0;
        var maxVersion = default(RecordVersion);
        var keyValueBytes = 0L;
        var newest = _clock.Limit;
        for (var i = 0; i < chunk.Count; i++)
        {
            var lsn = chunk.FirstLsn + i;
            var status = RecordCodec.TryDecode(chunk.Bytes[offset..], Options.MaxBodyBytes, out var record, out var consumed, out _);
            if (status != DecodeStatus.Ok)
            {
                throw new StoreArgumentException($"shard {shard}: replicated record {i} of {chunk.Count} (LSN {lsn} expected, byte {offset} of {chunk.Bytes.Length}) is {(status == DecodeStatus.Corrupt ? "corrupt" : "cut short")}");
            }

            if (record.Lsn != lsn)
            {
                throw new StoreArgumentException($"shard {shard}: replicated record {i} of {chunk.Count} has LSN {record.Lsn}, expected {lsn}");
            }

            if (record.Kind != RecordKind.Seal)
            {
                if (record.Key.Length == 0 || record.Key.Length > Options.MaxKeyBytes || record.Value.Length > Options.MaxValueBytes)
                {
                    throw new StoreArgumentException($"shard {shard}: replicated record at LSN {lsn} has a {record.Key.Length}-byte key and a {record.Value.Length}-byte value; this store allows keys of 1..{Options.MaxKeyBytes} bytes and values of up to {Options.MaxValueBytes}");
                }

                if (ShardOf(record.Key.Span) is var owner && owner != shard)
                {
                    throw new StoreArgumentException($"replicated record at LSN {lsn} belongs to shard {owner}, not {shard}");
                }
            }

            if (record.Version.Timestamp > newest)
            {
                throw new ClockSkewException(null, shard, lsn, KeyDisplay.Of(record.Key.Span), record.Version.Timestamp, newest, Options.MaxClockSkew);
            }

            located[i] = new PendingRecord(offset, consumed, lsn, record.Kind, record.Version, record.Key.Length);
            maxVersion = record.Version > maxVersion ? record.Version : maxVersion;
            keyValueBytes += record.Key.Length + record.Value.Length;
            offset += consumed;
        }

        if (offset != chunk.Bytes.Length)
        {
            throw new StoreArgumentException($"shard {shard}: {chunk.Bytes.Length - offset} bytes follow the {chunk.Count} records of the replicated chunk from LSN {chunk.FirstLsn}");
        }

        return new ChunkApplyResult(chunk.Count, chunk.LastLsn, maxVersion, keyValueBytes);
    }

    /// <inheritdoc cref="Shard.RollbackFloor"/>
    public long RollbackFloor(int shard) => ShardAt(shard).RollbackFloor;

    /// <inheritdoc cref="Shard.RollbackToAsync"/>
    public ValueTask<long> RollbackToAsync(int shard, long lsn, CancellationToken cancellationToken = default) =>
        ShardAt(shard).RollbackToAsync(lsn, cancellationToken);

    private Shard ShardAt(int shard) =>
        (uint)shard < (uint)_shards.Length ? _shards[shard] : throw new StoreArgumentException($"shard {shard} does not exist; this store has shards 0..{_shards.Length - 1}");
}
