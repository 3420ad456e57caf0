using System.Buffers;

namespace OrleansRepl.Core.Storage;

/// <summary>
/// Consecutive records of one shard's log, <see cref="FirstLsn"/> to <see cref="LastLsn"/>, in their storage
/// encoding (<see cref="RecordCodec"/>). This is what a feeder reads from a segment and sends in a Batch,
/// and what a follower appends: the bytes are never re-encoded, so the follower's segments match the leader's.
/// A chunk from a peer is untrusted until <see cref="LogStore.ApplyReplicatedAsync(int, LogChunk, CancellationToken)"/> has checked every record.
/// </summary>
public readonly record struct LogChunk(long FirstLsn, int Count, ReadOnlyMemory<byte> Bytes)
{
    /// <summary>
    /// Room a log read of up to <paramref name="maxBytes"/> may use: the budget, plus the records between the
    /// nearest read checkpoint and the first one wanted. Scratch of this size keeps reads allocation-free.
    /// </summary>
    public static int ScratchBytesFor(int maxBytes) => maxBytes + (64 << 10);

    public long LastLsn => FirstLsn + Count - 1;

    public bool IsEmpty => Count == 0;

    /// <summary>No records; <paramref name="nextLsn"/> is where the log would go on.</summary>
    public static LogChunk Empty(long nextLsn) => new(nextLsn, 0, ReadOnlyMemory<byte>.Empty);

    /// <summary>Encodes consecutive records (tools and tests; the streaming path never decodes to records).</summary>
    public static LogChunk Encode(IReadOnlyList<LogRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            return Empty(1);
        }

        var bytes = new ArrayBufferWriter<byte>();
        for (var i = 0; i < records.Count; i++)
        {
            if (records[i].Lsn != records[0].Lsn + i)
            {
                throw new StoreArgumentException($"a chunk holds consecutive LSNs: record {i} has LSN {records[i].Lsn}, expected {records[0].Lsn + i}");
            }

            var length = RecordCodec.EncodedLength(records[i]);
            RecordCodec.Encode(records[i], bytes.GetSpan(length));
            bytes.Advance(length);
        }

        return new LogChunk(records[0].Lsn, records.Count, bytes.WrittenMemory);
    }

    /// <summary>Decodes every record; the records alias <see cref="Bytes"/>. Throws if any record is damaged or out of place.</summary>
    public IReadOnlyList<LogRecord> Decode(int maxBodyBytes)
    {
        var records = new List<LogRecord>(Count);
        var offset = 0;
        for (var i = 0; i < Count; i++)
        {
            var status = RecordCodec.TryDecode(Bytes[offset..], maxBodyBytes, out var record, out var consumed, out _);
            if (status != DecodeStatus.Ok || record.Lsn != FirstLsn + i)
            {
                throw new StoreArgumentException($"chunk from LSN {FirstLsn}: record {i} of {Count} at byte {offset} is {(status == DecodeStatus.Ok ? $"LSN {record.Lsn}, expected {FirstLsn + i}" : status.ToString().ToLowerInvariant())}");
            }

            records.Add(record);
            offset += consumed;
        }

        if (offset != Bytes.Length)
        {
            throw new StoreArgumentException($"chunk from LSN {FirstLsn}: {Bytes.Length - offset} bytes follow its {Count} records");
        }

        return records;
    }
}
