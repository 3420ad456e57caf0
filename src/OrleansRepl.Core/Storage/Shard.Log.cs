using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage;

/// <summary>Reading the log by LSN, for feeders: committed records only, without taking the write locks.</summary>
internal sealed partial class Shard
{
    /// <summary>The lowest LSN a rollback may go back to: the end of the last sealed segment.</summary>
    public long RollbackFloor => Volatile.Read(ref _tail).ActiveFirstLsn - 1;

    /// <summary>The LSN after the last committed record.</summary>
    public long CommittedNextLsn => Volatile.Read(ref _tail).NextLsn;

    /// <summary>
    /// Up to <paramref name="maxRecords"/> committed records from <paramref name="fromLsn"/> on, seals included,
    /// as a chunk of their stored bytes of at most <paramref name="maxBytes"/> (or one record, if that alone is
    /// larger). A read stops at the end of a segment; the next read continues in the following one. Empty when
    /// <paramref name="fromLsn"/> is past the end. Every record is checksummed on the way out, so damage at
    /// rest is reported here, naming the segment and offset, rather than shipped. The read lands in
    /// <paramref name="scratch"/> when it fits (the chunk then aliases it), else in a new array.
    /// </summary>
    public async ValueTask<LogChunk> ReadLogChunkAsync(long fromLsn, int maxRecords, int maxBytes, Memory<byte> scratch, CancellationToken cancellationToken)
    {
        if (fromLsn < 1 || maxRecords < 1 || maxBytes < 1)
        {
            throw new StoreArgumentException($"shard {Id}: log reads start at LSN 1 or later and take at least one record and one byte, got LSN {fromLsn}, {maxRecords} records, {maxBytes} bytes");
        }

        var tail = Volatile.Read(ref _tail);
        if (fromLsn >= tail.NextLsn)
        {
            return LogChunk.Empty(fromLsn);
        }

        var (slot, limit) = Locate(fromLsn, tail);
        var segment = Slot(slot);
        var start = segment.SeekFloor(fromLsn);

        // Read up to the first remembered record past the last one wanted, and not far past the byte budget:
        // the records before fromLsn in the read are at most a checkpoint interval's worth.
        var end = Math.Min(limit, segment.SeekCeiling(fromLsn + maxRecords) ?? limit);
        var length = (int)Math.Min(end - start, LogChunk.ScratchBytesFor(maxBytes));
        while (true)
        {
            var buffer = scratch.Length >= length ? scratch[..length] : GC.AllocateUninitializedArray<byte>(length);
            var read = await RandomAccess.ReadAsync(segment.Reader, buffer, start, cancellationToken);
            var image = buffer[..read];
            var first = 0;
            var taken = 0;
            var offset = 0;
            int? rereadLength = null;
            while (offset < image.Length && taken < maxRecords)
            {
                var status = RecordCodec.TryDecode(image[offset..], _options.MaxBodyBytes, out var record, out var consumed, out _);
                if (status == DecodeStatus.Corrupt)
                {
                    throw new SegmentCorruptException(segment.Path, start + offset, "a committed record no longer decodes");
                }

                if (status == DecodeStatus.Incomplete)
                {
                    if (taken == 0 && start + offset < limit)
                    {
                        // The first wanted record, or one before it, ends past the read: read again, far enough to
                        // hold it (its length prefix was checked against the body limit by TryDecode).
                        var bodyLength = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(image.Span[offset..]);
                        rereadLength = offset + RecordCodec.LengthPrefixSize + (int)bodyLength + RecordCodec.ChecksumSize;
                    }

                    break;
                }

                if (record.Lsn >= fromLsn)
                {
                    if (record.Lsn != fromLsn + taken)
                    {
                        throw new SegmentCorruptException(segment.Path, start + offset, $"LSN {record.Lsn} where {fromLsn + taken} was expected");
                    }

                    if (taken > 0 && offset + consumed - first > maxBytes)
                    {
                        break;
                    }

                    first = taken == 0 ? offset : first;
                    taken++;
                }

                offset += consumed;
            }

            if (rereadLength is not { } longer)
            {
                return taken == 0 ? LogChunk.Empty(fromLsn) : new LogChunk(fromLsn, taken, image[first..offset]);
            }

            length = longer;
        }
    }

    /// <summary>Completes once a record with an LSN of at least <paramref name="lsn"/> is committed.</summary>
    public async ValueTask WaitForLsnAsync(long lsn, CancellationToken cancellationToken)
    {
        while (true)
        {
            var signal = Volatile.Read(ref _committed).Task;
            if (Volatile.Read(ref _tail).NextLsn > lsn)
            {
                return;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The slot holding <paramref name="lsn"/> and how many of its bytes are committed.</summary>
    private (int Slot, long Limit) Locate(long lsn, LogTail tail)
    {
        if (lsn >= tail.ActiveFirstLsn)
        {
            return (tail.ActiveSlot, tail.ActiveLength);
        }

        foreach (var entry in Volatile.Read(ref _manifest).Segments)
        {
            if (!entry.Imported && entry.FirstLsn <= lsn && lsn <= entry.LastLsn)
            {
                lock (_slotsGate)
                {
                    var path = SegmentPath(entry.Hash);
                    return (_slots.FindIndex(s => s.Path == path), entry.Bytes);
                }
            }
        }

        throw new StoreArgumentException($"shard {Id}: LSN {lsn} is in no segment this store holds (its log starts at LSN {FirstRetainedLsn})");
    }

    /// <summary>
    /// About how many log bytes the committed records after <paramref name="lsn"/> take: every whole segment past it
    /// exactly, and within the segment holding LSN + 1 from the nearest remembered record start at or before it
    /// (one every <see cref="SegmentSlot.CheckpointEvery"/> records), so never less than the truth and at most that
    /// many records more. A follower's acknowledged LSN gives how far behind it is in bytes.
    /// </summary>
    public long BytesAfter(long lsn)
    {
        var tail = Volatile.Read(ref _tail);
        if (lsn + 1 >= tail.NextLsn)
        {
            return 0;
        }

        if (lsn + 1 >= tail.ActiveFirstLsn)
        {
            return tail.ActiveLength - Slot(tail.ActiveSlot).SeekFloor(lsn + 1);
        }

        var total = tail.ActiveLength;
        foreach (var entry in Volatile.Read(ref _manifest).Segments.Where(e => !e.Imported && e.LastLsn > lsn))
        {
            if (entry.FirstLsn > lsn)
            {
                total += entry.Bytes;
                continue;
            }

            lock (_slotsGate)
            {
                var path = SegmentPath(entry.Hash);
                total += _slots.Find(s => s.Path == path) is { } slot ? entry.Bytes - slot.SeekFloor(lsn + 1) : entry.Bytes;
            }
        }

        return total;
    }

    private long FirstRetainedLsn => Volatile.Read(ref _manifest).Segments.Where(s => !s.Imported).Select(s => s.FirstLsn).DefaultIfEmpty(Volatile.Read(ref _tail).ActiveFirstLsn).Min();
}
