using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage;

/// <summary>Re-reading everything on disk: every record's checksum and every sealed segment's content hash.</summary>
internal sealed partial class Shard
{
    /// <summary>Returns the number of records and sealed segments; throws <see cref="SegmentCorruptException"/> at the first fault.</summary>
    public async ValueTask<(long Records, int Segments)> VerifyAsync(CancellationToken cancellationToken)
    {
        var records = 0L;
        var segments = Volatile.Read(ref _manifest).Segments;
        foreach (var entry in segments)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var image = await File.ReadAllBytesAsync(SegmentPath(entry.Hash), cancellationToken);
            var actual = Blake3Hasher.Hash(image).ToString();
            if (actual != entry.Hash)
            {
                throw new SegmentCorruptException(entry.Hash, 0, $"its bytes hash to {actual}");
            }

            records += ScanWhole(image, entry.Hash);
        }

        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            records += ScanWhole(ReadActive(), $"{ActiveFileName} of shard {Id}");
        }
        finally
        {
            _flushGate.Release();
        }

        return (records, segments.Count);
    }

    private long ScanWhole(byte[] image, string name)
    {
        var scan = SegmentScanner.Scan(image, _options.MaxBodyBytes, static (in LogRecord _, long _, int _) => { });
        return scan.Stop == DecodeStatus.Ok
            ? scan.Records
            : throw new SegmentCorruptException(name, scan.GoodBytes, scan.StopReason);
    }
}
