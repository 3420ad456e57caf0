using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage;

/// <summary>Exchanging sealed segments with peers: what is missing, reading one, importing one.</summary>
public sealed partial class LogStore
{
    /// <summary>Of <paramref name="peerHashes"/>, those this store does not hold.</summary>
    public IReadOnlyList<Blake3Hash> MissingSegments(IEnumerable<Blake3Hash> peerHashes)
    {
        var held = ListSegments().Select(s => s.Hash).ToHashSet();
        return peerHashes.Where(h => !held.Contains(h)).Distinct().ToList();
    }

    /// <summary>
    /// The bytes of the sealed segment <paramref name="hash"/>, or null when this store does not hold it.
    /// The path comes from this store's own manifests, never from the caller's value.
    /// </summary>
    public async ValueTask<byte[]?> ReadSegmentAsync(Blake3Hash hash, CancellationToken cancellationToken = default)
    {
        var held = ListSegments().FirstOrDefault(s => s.Hash == hash);
        return held is null ? null : await File.ReadAllBytesAsync(_shards[held.Shard].SegmentPath(held.Hash.ToString()), cancellationToken);
    }

    /// <summary>
    /// Imports a peer's sealed segment. Checked before anything is written: the bytes must hash to
    /// <paramref name="expectedHash"/>, every record must decode, and every key must belong to one shard.
    /// The segment is kept verbatim and its records merged last-writer-wins; losers are shadowed, not deleted.
    /// </summary>
    public async ValueTask<SegmentImportResult> ImportSegmentAsync(ReadOnlyMemory<byte> bytes, Blake3Hash expectedHash, CancellationToken cancellationToken = default)
    {
        var actual = Blake3Hasher.Hash(bytes.Span);
        if (actual != expectedHash)
        {
            return new SegmentImportResult.HashMismatch(expectedHash.ToString(), actual.ToString());
        }

        if (ListSegments().Any(s => s.Hash == expectedHash))
        {
            return new SegmentImportResult.Skipped();
        }

        var records = new List<(LogRecord Record, long Offset, int Length)>();
        var shards = new HashSet<int>();
        var scan = SegmentScanner.Scan(bytes, Options.MaxBodyBytes, (in LogRecord record, long offset, int length) =>
        {
            records.Add((record, offset, length));
            if (record.Kind != RecordKind.Seal)
            {
                shards.Add(ShardOf(record.Key.Span));
            }
        });
        if (scan.Stop != DecodeStatus.Ok)
        {
            return new SegmentImportResult.Rejected($"record at byte {scan.GoodBytes} is {(scan.Stop == DecodeStatus.Incomplete ? "cut short" : "corrupt")}");
        }

        var newest = _clock.Limit;
        var ahead = records.FindIndex(r => r.Record.Version.Timestamp > newest);
        if (ahead >= 0)
        {
            var early = records[ahead].Record;
            var owner = early.Kind == RecordKind.Seal ? shards.FirstOrDefault() : ShardOf(early.Key.Span);
            return new SegmentImportResult.Rejected(new ClockSkewException(null, owner, early.Lsn, KeyDisplay.Of(early.Key.Span), early.Version.Timestamp, newest, Options.MaxClockSkew).Message);
        }

        if (shards.Count != 1)
        {
            return new SegmentImportResult.Rejected(shards.Count == 0
                ? "the segment holds no keys"
                : $"its keys belong to {shards.Count} shards ({string.Join(", ", shards.Order())}); a segment belongs to one shard of a {ShardCount}-shard store");
        }

        return await _shards[shards.Single()].ImportAsync(bytes, expectedHash, records, cancellationToken);
    }
}
