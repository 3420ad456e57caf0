using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage.Index;

/// <summary>
/// What a snapshot install learned while it verified the sealed segments it wrote: per shard, the index over them,
/// where their records start, and the newest timestamp in them. Given to <see cref="LogStore.Open(string, StoreOptions, InstalledIndex?)"/>,
/// the store opens without reading its sealed segments a second time. It is used for a shard only when the shard's
/// manifest names exactly the segments it describes, each file present at its declared length; otherwise that
/// shard is read as usual.
/// </summary>
public sealed class InstalledIndex
{
    private readonly IReadOnlyList<ShardIndexSeed> _shards;

    internal InstalledIndex(IReadOnlyList<ShardIndexSeed> shards) => _shards = shards;

    /// <summary>How many shards it describes.</summary>
    public int ShardCount => _shards.Count;

    internal ShardIndexSeed? For(int shard) => shard < _shards.Count ? _shards[shard] : null;
}

/// <summary>One shard's part of an <see cref="InstalledIndex"/>: built by one verifier at a time, in segment order.</summary>
internal sealed class ShardIndexSeed
{
    private readonly List<SealedSegmentEntry> _segments = [];
    private readonly List<List<(long Lsn, long Offset)>> _checkpoints = [];

    public ShardIndex Index { get; } = new();

    public ulong NewestTimestamp { get; private set; }

    /// <summary>The sealed segments indexed, in order.</summary>
    public IReadOnlyList<SealedSegmentEntry> Segments => _segments;

    /// <summary>Where the records of segment <paramref name="position"/> start, every <see cref="SegmentSlot.CheckpointEvery"/> records.</summary>
    public IReadOnlyList<(long Lsn, long Offset)> CheckpointsOf(int position) => _checkpoints[position];

    /// <summary>Begins the next sealed segment; returns its position, which is its slot when the shard adopts the seed.</summary>
    public int Begin(SealedSegmentEntry segment)
    {
        _segments.Add(segment);
        _checkpoints.Add([]);
        return _segments.Count - 1;
    }

    /// <summary>Indexes one record of segment <paramref name="position"/>, exactly as opening the shard would.</summary>
    public void Note(int position, in LogRecord record, long offset, int length, long ordinal)
    {
        if (ordinal % SegmentSlot.CheckpointEvery == 0)
        {
            _checkpoints[position].Add((record.Lsn, offset));
        }

        NewestTimestamp = Math.Max(NewestTimestamp, record.Version.Timestamp);
        if (record.Kind != RecordKind.Seal)
        {
            Index.Apply(record.Key.Span, new IndexEntry(record.Version, position, offset, length, record.IsTombstone));
        }
    }

    /// <summary>Whether <paramref name="manifest"/> names exactly these segments, in this order.</summary>
    public bool Describes(IReadOnlyList<SealedSegmentEntry> manifest) =>
        manifest.Count == _segments.Count && manifest.Select(s => s.Hash).SequenceEqual(_segments.Select(s => s.Hash));
}
