using System.Runtime.InteropServices;

namespace OrleansRepl.Core.Storage.Index;

/// <summary>
/// key → the record with the highest version, for one shard. A record with a lower version than the
/// one indexed is shadowed: it stays in its segment but never answers a read. Not thread-safe; the shard
/// serializes access.
/// </summary>
internal sealed class ShardIndex
{
    private readonly Dictionary<byte[], IndexEntry> _entries = new(KeyComparer.Instance);

    public int Count => _entries.Count;

    /// <summary>Indexes the record if it is newer than what the key has; returns whether it won.</summary>
    public bool Apply(ReadOnlySpan<byte> key, in IndexEntry entry)
    {
        var lookup = _entries.GetAlternateLookup<ReadOnlySpan<byte>>();
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(lookup, key, out var existed);
        if (existed && slot.Version >= entry.Version)
        {
            return false;
        }

        slot = entry;
        return true;
    }

    public bool TryGet(ReadOnlySpan<byte> key, out IndexEntry entry) =>
        _entries.GetAlternateLookup<ReadOnlySpan<byte>>().TryGetValue(key, out entry);

    /// <summary>Live (non-tombstone) entries whose key starts with <paramref name="prefix"/>, in no order.</summary>
    public List<KeyValuePair<byte[], IndexEntry>> WithPrefix(ReadOnlySpan<byte> prefix)
    {
        var matches = new List<KeyValuePair<byte[], IndexEntry>>();
        foreach (var pair in _entries)
        {
            if (!pair.Value.Tombstone && pair.Key.AsSpan().StartsWith(prefix))
            {
                matches.Add(pair);
            }
        }

        return matches;
    }

    public void Clear() => _entries.Clear();
}
