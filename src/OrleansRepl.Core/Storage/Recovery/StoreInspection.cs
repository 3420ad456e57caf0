using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Storage.Recovery;

/// <summary>What a read-only inspection of a store directory found, shard by shard.</summary>
/// <remarks><see cref="StoreRoot"/> is the root the store will have once opened (a torn tail cut), or null when a shard is damaged.</remarks>
public sealed record StoreInspection(string Directory, IReadOnlyList<ShardInspection> Shards, Blake3Hash? StoreRoot)
{
    public bool IsDamaged => Shards.Any(s => s.Damage is not null);

    public long Records => Shards.Sum(s => s.Records);

    public int Segments => Shards.Sum(s => s.Segments);
}

/// <summary>
/// One shard as its files stand: whole records (seals included), sealed segments, the LSN its log continues at,
/// and at most one of a torn tail (cut at the next open) or damage (the shard will not open).
/// </summary>
public sealed record ShardInspection(int Shard, long Records, int Segments, long NextLsn, TornTailFinding? TornTail, ShardDamage? Damage);

/// <summary>An unfinished last write: <see cref="Bytes"/> bytes from <see cref="Offset"/> of <see cref="File"/>, never acknowledged.</summary>
public sealed record TornTailFinding(string File, long Offset, long Bytes);

/// <summary>
/// Damage in <see cref="File"/> at <see cref="Offset"/>: the last good LSN before it, and what follows it
/// (bytes, whole records, and their LSN range when any can still be read).
/// </summary>
public sealed record ShardDamage(string File, long Offset, long LastGoodLsn, long BytesAfter, long RecordsAfter, long FirstLsnAfter, long LastLsnAfter, string Reason)
{
    public override string ToString() =>
        $"{File} at byte {Offset}: {Reason}; last good LSN {LastGoodLsn}; {BytesAfter} bytes with {RecordsAfter} whole records after it"
        + (RecordsAfter > 0 ? $" (LSNs {FirstLsnAfter}..{LastLsnAfter})" : "");
}
