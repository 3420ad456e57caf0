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
    /// Up to <paramref name="maxRecords"/> committed records from <paramref name="fromLsn"/> on, in LSN order,
    /// seals included, reading at most about <paramref name="maxBytes"/>. A read stops at the end of a
    /// segment; the next read continues in the following one. Empty when <paramref name="fromLsn"/> is past the end.
    /// </summary>
    public async ValueTask<IReadOnlyList<LogRecord>> ReadLogAsync(long fromLsn, int maxRecords, int maxBytes, CancellationToken cancellationToken)
    {
        if (fromLsn < 1)
        {
            throw new StoreArgumentException($"shard {Id}: log reads start at LSN 1 or later, got {fromLsn}");
        }

        var tail = Volatile.Read(ref _tail);
        if (fromLsn >= tail.NextLsn || maxRecords < 1)
        {
            return [];
        }

        var (slot, limit) = Locate(fromLsn, tail);
        var start = Slot(slot).SeekFloor(fromLsn);
        var length = (int)Math.Min(limit - start, Math.Max(maxBytes, SegmentSlotReadMinimum));
        var buffer = new byte[length];
        var read = await RandomAccess.ReadAsync(Slot(slot).Reader, buffer, start, cancellationToken);

        var records = new List<LogRecord>();
        var image = buffer.AsMemory(0, read);
        var bytesTaken = 0;
        for (var offset = 0; offset < image.Length && records.Count < maxRecords && bytesTaken < maxBytes;)
        {
            var status = RecordCodec.TryDecode(image[offset..], _options.MaxBodyBytes, out var record, out var consumed, out _);
            if (status == DecodeStatus.Incomplete && records.Count == 0 && offset + start < limit)
            {
                // The first wanted record is larger than the read: read exactly it.
                return await ReadLogAsync(fromLsn, maxRecords, maxBytes: 2 * Math.Max(maxBytes, length), cancellationToken);
            }

            if (status != DecodeStatus.Ok)
            {
                if (status == DecodeStatus.Corrupt)
                {
                    throw new SegmentCorruptException(Slot(slot).Path, start + offset, "a committed record no longer decodes");
                }

                break;
            }

            if (record.Lsn >= fromLsn)
            {
                records.Add(record);
                bytesTaken += consumed;
            }

            offset += consumed;
        }

        return records;
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

    /// <summary>Smallest read from a segment file, so small records do not cost a read each.</summary>
    private const int SegmentSlotReadMinimum = 64 << 10;

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

    private long FirstRetainedLsn => Volatile.Read(ref _manifest).Segments.Where(s => !s.Imported).Select(s => s.FirstLsn).DefaultIfEmpty(Volatile.Read(ref _tail).ActiveFirstLsn).Min();
}
