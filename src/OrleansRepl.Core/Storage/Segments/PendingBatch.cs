using System.Buffers;

namespace OrleansRepl.Core.Storage.Segments;

/// <summary>Records appended to a shard but not yet written: their encoded bytes, back to back, and what the index needs of each.</summary>
internal sealed class PendingBatch
{
    public ArrayBufferWriter<byte> Bytes { get; } = new(64 << 10);

    public List<PendingRecord> Records { get; } = [];

    /// <summary>The commit ticket of the last append in this batch.</summary>
    public long LastTicket { get; set; }

    public bool IsEmpty => Records.Count == 0;

    public void Reset()
    {
        Bytes.ResetWrittenCount();
        Records.Clear();
    }
}

/// <summary>One appended record: where it sits in the batch, and its identity for the index.</summary>
internal readonly record struct PendingRecord(int Offset, int Length, long Lsn, RecordKind Kind, RecordVersion Version, int KeyLength)
{
    /// <summary>The record's key, read from the encoded bytes it sits in (the batch's, or a chunk's).</summary>
    public ReadOnlySpan<byte> KeyIn(ReadOnlySpan<byte> bytes) => bytes.Slice(Offset + RecordCodec.LengthPrefixSize + RecordCodec.FixedBodySize, KeyLength);
}
