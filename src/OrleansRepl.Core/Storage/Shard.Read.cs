using OrleansRepl.Core.Storage.Index;

namespace OrleansRepl.Core.Storage;

/// <summary>Reads through the index: point lookups and prefix scans.</summary>
internal sealed partial class Shard
{
    /// <summary>The value of the latest live version of <paramref name="key"/>, or null when absent or deleted.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        IndexEntry entry;
        lock (_indexGate)
        {
            if (!_index.TryGet(key, out entry))
            {
                return null;
            }
        }

        return entry.Tombstone ? null : ReadRecord(entry).Value.ToArray();
    }

    /// <summary>Live keys starting with <paramref name="prefix"/> with their values, in byte order of the key.</summary>
    public List<KeyValuePair<byte[], byte[]>> Scan(ReadOnlySpan<byte> prefix)
    {
        List<KeyValuePair<byte[], IndexEntry>> matches;
        lock (_indexGate)
        {
            matches = _index.WithPrefix(prefix);
        }

        matches.Sort(static (left, right) => left.Key.AsSpan().SequenceCompareTo(right.Key));
        return matches.ConvertAll(match => new KeyValuePair<byte[], byte[]>(match.Key, ReadRecord(match.Value).Value.ToArray()));
    }

    private LogRecord ReadRecord(in IndexEntry entry)
    {
        var slot = Slot(entry.Slot);
        var buffer = new byte[entry.Length];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = RandomAccess.Read(slot.Reader, buffer.AsSpan(read), entry.Offset + read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        var status = RecordCodec.TryDecode(buffer.AsMemory(0, read), _options.MaxBodyBytes, out var record, out _, out _);
        return status == DecodeStatus.Ok
            ? record
            : throw new SegmentCorruptException(slot.Path, entry.Offset, $"the indexed record no longer decodes ({status}); the file changed underneath the store");
    }
}
