using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage.Recovery;

/// <summary>What follows the last good record of a log file.</summary>
public enum TailFault
{
    /// <summary>Every byte belongs to a whole, checksummed record.</summary>
    None,

    /// <summary>
    /// The file ends in bytes that are no record, no longer than one write the store could have had in
    /// flight, and no whole record starts after them: a write cut off by a crash. Nothing in it was acknowledged.
    /// </summary>
    TornTail,

    /// <summary>Anything else that fails: a bad record with whole records after it, or more bad bytes than one write.</summary>
    Damage,
}

/// <summary>
/// One log file read record by record, and the verdict on where it stops.
/// </summary>
/// <remarks>
/// This is the single place that tells a torn tail from damage; recovery, <c>orepl store verify</c> and
/// salvage all ask it. The rule: a checksum failure is a torn tail only when it lies within the last write
/// the store could have had in flight (<see cref="StoreOptions.GroupCommitMaxBytes"/>, or one record's
/// declared length when a single record is longer) and no whole, checksummed record with a later LSN starts
/// anywhere after it. Everything else is damage, and recovery refuses damage rather than cutting it: an
/// acknowledged write is never removed by recovery; only an operator's salvage or a restore from a replica
/// replaces a damaged file, and both keep the original aside.
/// </remarks>
internal readonly record struct LogAudit(
    long GoodBytes,
    long Records,
    long FirstLsn,
    long LastGoodLsn,
    TailFault Fault,
    long BytesAfter,
    long RecordsAfter,
    long FirstLsnAfter,
    long LastLsnAfter,
    string Reason)
{
    /// <summary>
    /// Reads <paramref name="image"/> from its start, handing every good record before the first fault to
    /// <paramref name="visitor"/>, and classifies whatever follows. <paramref name="inFlightBytes"/> is the
    /// most one write of the store can put in flight between two fsyncs. <paramref name="unsyncedZerosAreTorn"/>
    /// says the store does not fsync every commit, so a longer run of zeros at the end is its unsynced window.
    /// </summary>
    public static LogAudit Examine(ReadOnlyMemory<byte> image, int maxBodyBytes, long inFlightBytes, bool unsyncedZerosAreTorn, RecordVisitor visitor)
    {
        var firstLsn = 0L;
        var scan = SegmentScanner.Scan(image, maxBodyBytes, (in LogRecord record, long offset, int length) =>
        {
            firstLsn = firstLsn == 0 ? record.Lsn : firstLsn;
            visitor(record, offset, length);
        });
        var lastGood = scan.Records > 0 ? scan.LastLsn : 0;
        if (scan.Stop == DecodeStatus.Ok)
        {
            return new LogAudit(scan.GoodBytes, scan.Records, firstLsn, lastGood, TailFault.None, 0, 0, 0, 0, "none");
        }

        var good = scan.GoodBytes;
        var after = image.Length - good;
        var span = image.Span;
        if (RecordCodec.TryDecode(image[(int)good..], maxBodyBytes, out var misplaced, out _, out _) == DecodeStatus.Ok)
        {
            // A whole, checksummed record that breaks LSN order: no crash writes that.
            var (count, from, to) = CountRecordsAfter(image, good, long.MinValue, maxBodyBytes);
            return new LogAudit(good, scan.Records, firstLsn, lastGood, TailFault.Damage, after, count, from, to,
                $"the record there has LSN {misplaced.Lsn}, which does not follow LSN {lastGood}");
        }

        var (following, first, last) = CountRecordsAfter(image, good + 1, lastGood, maxBodyBytes);
        if (following > 0)
        {
            return new LogAudit(good, scan.Records, firstLsn, lastGood, TailFault.Damage, after, following, first, last,
                $"a record fails its checksum or is malformed, and {following} whole records (LSNs {first}..{last}) follow it");
        }

        var bound = Math.Max(inFlightBytes, DeclaredLength(span[(int)good..], maxBodyBytes));
        if (after > bound && unsyncedZerosAreTorn && !span[(int)good..].ContainsAnyExcept((byte)0))
        {
            // Blocks allocated but never written read back as zeros after a power cut: without an fsync per write
            // that is the unsynced window being lost, which that policy accepts. It is cut like a torn tail.
            return new LogAudit(good, scan.Records, firstLsn, lastGood, TailFault.TornTail, after, 0, 0, 0,
                $"the last {after} bytes are zeros: unsynced writes lost at a crash");
        }

        return after <= bound
            ? new LogAudit(good, scan.Records, firstLsn, lastGood, TailFault.TornTail, after, 0, 0, 0,
                $"the last {after} bytes are an unfinished write")
            : new LogAudit(good, scan.Records, firstLsn, lastGood, TailFault.Damage, after, 0, 0, 0,
                $"{after} unreadable bytes end the file, more than the {bound} one unfinished write can leave");
    }

    /// <summary>Whole records with LSNs above <paramref name="lastLsn"/> found anywhere from <paramref name="start"/> on, resynchronizing past each bad stretch.</summary>
    private static (long Count, long First, long Last) CountRecordsAfter(ReadOnlyMemory<byte> image, long start, long lastLsn, int maxBodyBytes)
    {
        var count = 0L;
        var first = 0L;
        var last = lastLsn;
        for (var offset = start; offset + RecordCodec.MinimumRecordSize <= image.Length;)
        {
            if (RecordCodec.TryDecode(image[(int)offset..], maxBodyBytes, out var record, out var consumed, out _) == DecodeStatus.Ok && record.Lsn > last)
            {
                first = count == 0 ? record.Lsn : first;
                last = record.Lsn;
                count++;
                offset += consumed;
            }
            else
            {
                offset++;
            }
        }

        return (count, first, count > 0 ? last : 0);
    }

    /// <summary>The whole length a record's prefix declares, when it is one this store could have written; else 0.</summary>
    private static long DeclaredLength(ReadOnlySpan<byte> bytes, int maxBodyBytes)
    {
        if (bytes.Length < RecordCodec.LengthPrefixSize)
        {
            return 0;
        }

        var body = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        return body is >= RecordCodec.FixedBodySize && body <= (uint)maxBodyBytes
            ? RecordCodec.LengthPrefixSize + body + RecordCodec.ChecksumSize
            : 0;
    }
}
