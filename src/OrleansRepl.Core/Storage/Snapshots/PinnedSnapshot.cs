using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>
/// A consistent snapshot of a store, held for serving without copying the store: reading it yields the snapshot
/// stream (see <see cref="SnapshotFormat"/>) up to its trailer, the header from memory, each sealed segment straight
/// from its file (held open since the freeze), each shard's active bytes from the copy taken at the freeze. The
/// trailer is the CRC-32C of everything before it, which whoever reads the stream computes on the way
/// (<see cref="SnapshotFormat.Trailer"/>). Thread-safe for concurrent reads; disposing closes the files.
/// </summary>
public sealed class PinnedSnapshot : IDisposable
{
    private readonly byte[] _header;
    private readonly IReadOnlyList<ShardSnapshot> _shards;
    private readonly Part[] _parts;

    internal PinnedSnapshot(IReadOnlyList<ShardSnapshot> shards)
    {
        _shards = shards;
        _header = SnapshotFormat.Header(shards);
        var parts = new List<Part>();
        var at = (long)_header.Length;
        foreach (var shard in shards)
        {
            for (var s = 0; s < shard.Sealed.Count; s++)
            {
                parts.Add(new Part(at, shard.Sealed[s].Bytes, shard.Files[s], null));
                at += shard.Sealed[s].Bytes;
            }

            parts.Add(new Part(at, shard.Active.Length, null, shard.Active));
            at += shard.Active.Length;
        }

        _parts = [.. parts];
        PayloadLength = at;
        StoreRoot = LogStore.ComputeStoreRoot(shards.SelectMany(s => s.Sealed), shards.Select(s => Blake3Hasher.Hash(s.Active)).ToList());
        ShardLsns = shards.Select(s => s.NextLsn - 1).ToList();
    }

    /// <summary>The whole stream's length, trailer included.</summary>
    public long Length => PayloadLength + SnapshotFormat.TrailerSize;

    /// <summary>The length of everything before the trailer: what <see cref="ReadAsync"/> serves.</summary>
    public long PayloadLength { get; }

    /// <summary>The store root an import of this snapshot reproduces.</summary>
    public Blake3Hash StoreRoot { get; }

    /// <summary>The last LSN of each shard in the snapshot (0 for an empty shard).</summary>
    public IReadOnlyList<long> ShardLsns { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> with the stream's bytes from <paramref name="offset"/>, across as many
    /// parts as it spans, stopping at <see cref="PayloadLength"/>. Returns the count read.
    /// </summary>
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        var filled = 0;
        while (filled < destination.Length && offset + filled < PayloadLength)
        {
            var at = offset + filled;
            var target = destination[filled..];
            if (at < _header.Length)
            {
                var n = (int)Math.Min(target.Length, _header.Length - at);
                _header.AsMemory((int)at, n).CopyTo(target);
                filled += n;
                continue;
            }

            var part = _parts[PartAt(at)];
            var within = at - part.Start;
            var want = (int)Math.Min(target.Length, part.Length - within);
            if (part.Bytes is { } bytes)
            {
                bytes.AsMemory((int)within, want).CopyTo(target);
                filled += want;
                continue;
            }

            var read = await RandomAccess.ReadAsync(part.File!.Handle, target[..want], within, cancellationToken);
            filled += read > 0 ? read : throw new InvalidDataException($"sealed segment {part.File.Path} ended at byte {within} of the {part.Length} it held when the snapshot was pinned");
        }

        return filled;
    }

    public void Dispose()
    {
        foreach (var shard in _shards)
        {
            shard.CloseFiles();
        }
    }

    private int PartAt(long offset)
    {
        int low = 0, high = _parts.Length - 1;
        while (low < high)
        {
            var middle = (low + high + 1) / 2;
            if (_parts[middle].Start <= offset)
            {
                low = middle;
            }
            else
            {
                high = middle - 1;
            }
        }

        // Empty parts share their start with the next one; skip to the one that holds the byte.
        while (_parts[low].Length == 0 || offset >= _parts[low].Start + _parts[low].Length)
        {
            low++;
        }

        return low;
    }

    private sealed record Part(long Start, long Length, SealedFile? File, byte[]? Bytes);
}
