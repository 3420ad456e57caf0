namespace OrleansRepl.Core.Storage.Segments;

/// <summary>Receives each whole record of a scan with its offset and total encoded length.</summary>
internal delegate void RecordVisitor(in LogRecord record, long offset, int length);

/// <summary>Walks the records of a segment image in order, stopping at the first one that does not decode.</summary>
internal static class SegmentScanner
{
    /// <summary>
    /// Visits every good record from the start of <paramref name="image"/>. <see cref="ScanResult.GoodBytes"/>
    /// is where the first bad or incomplete record begins (the image length if none), and the status says why it stopped.
    /// LSNs must strictly increase; a record that breaks that ends the scan as corrupt.
    /// </summary>
    public static ScanResult Scan(ReadOnlyMemory<byte> image, int maxBodyBytes, RecordVisitor visitor)
    {
        var offset = 0;
        var lastLsn = long.MinValue;
        var records = 0L;
        while (offset < image.Length)
        {
            var status = RecordCodec.TryDecode(image[offset..], maxBodyBytes, out var record, out var consumed, out _);
            if (status != DecodeStatus.Ok)
            {
                return new ScanResult(offset, records, status, lastLsn);
            }

            if (record.Lsn <= lastLsn)
            {
                return new ScanResult(offset, records, DecodeStatus.Corrupt, lastLsn);
            }

            visitor(record, offset, consumed);
            lastLsn = record.Lsn;
            records++;
            offset += consumed;
        }

        return new ScanResult(offset, records, DecodeStatus.Ok, lastLsn);
    }
}

/// <summary>How far a scan got: bytes of whole good records, how many, why it stopped, and the last LSN seen.</summary>
internal readonly record struct ScanResult(long GoodBytes, long Records, DecodeStatus Stop, long LastLsn)
{
    /// <summary>Why the scan stopped short, in the words error messages use.</summary>
    public string StopReason => Stop switch
    {
        DecodeStatus.Ok => "none",
        DecodeStatus.Incomplete => "the file ends inside a record",
        _ => "a record fails its checksum, is malformed, or breaks LSN order",
    };
}
