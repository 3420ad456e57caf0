using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Merkle;

namespace OrleansRepl.Core.Storage;

/// <summary>
/// What the replication fabric needs of a node's local storage. <see cref="LogStore"/> is the default;
/// an application can plug in its own store behind this contract.
/// </summary>
/// <remarks>
/// Contract: LSNs are per shard, start at 1 and strictly increase. A seal is a logged record, so a store
/// that applies a leader's records verbatim seals at the same LSNs, and its sealed segments are
/// byte-identical to the leader's, with the same BLAKE3 names. Reads return committed records only.
/// </remarks>
public interface IReplicaStore
{
    /// <summary>The options the store was opened with: its roll size bounds the segments it takes from peers.</summary>
    StoreOptions Options { get; }

    int ShardCount { get; }

    int ShardOf(ReadOnlySpan<byte> key);

    /// <summary>The LSN the next committed record of <paramref name="shard"/> will have.</summary>
    long NextLsn(int shard);

    /// <summary>
    /// Committed records from <paramref name="fromLsn"/> on, seals included, in their storage encoding: at most
    /// <paramref name="maxRecords"/>, and at most <paramref name="maxBytes"/> unless one record alone is larger.
    /// May return fewer than asked; empty past the end. A store may read into <paramref name="scratch"/>, so the
    /// chunk is valid until the caller reuses it; with no scratch the chunk owns its bytes.
    /// </summary>
    ValueTask<LogChunk> ReadLogChunkAsync(int shard, long fromLsn, int maxRecords, int maxBytes, Memory<byte> scratch = default, CancellationToken cancellationToken = default);

    /// <summary>Completes once a record with an LSN of at least <paramref name="lsn"/> is committed.</summary>
    ValueTask WaitForLsnAsync(int shard, long lsn, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies a leader's chunk verbatim once every record in it checks out; idempotent by LSN; a gap or a
    /// bad record fails and applies nothing.
    /// </summary>
    ValueTask<ChunkApplyResult> ApplyReplicatedAsync(int shard, LogChunk chunk, CancellationToken cancellationToken = default);

    /// <summary>The lowest LSN <see cref="RollbackToAsync"/> accepts for <paramref name="shard"/>.</summary>
    long RollbackFloor(int shard);

    /// <summary>Removes the records after <paramref name="lsn"/>; refuses to cut into a sealed segment.</summary>
    ValueTask<long> RollbackToAsync(int shard, long lsn, CancellationToken cancellationToken = default);

    IReadOnlyList<SegmentInfo> ListSegments();

    IReadOnlyList<Blake3Hash> MissingSegments(IEnumerable<Blake3Hash> peerHashes);

    ValueTask<byte[]?> ReadSegmentAsync(Blake3Hash hash, CancellationToken cancellationToken = default);

    ValueTask<SegmentImportResult> ImportSegmentAsync(ReadOnlyMemory<byte> bytes, Blake3Hash expectedHash, CancellationToken cancellationToken = default);

    /// <summary>The segment-set tree over every sealed segment, for anti-entropy to compare and descend.</summary>
    SegmentSetTree SegmentTree();

    ValueTask<Blake3Hash> StoreRootAsync(CancellationToken cancellationToken = default);

    /// <summary>Pins a consistent snapshot of every shard by reference, for bootstrapping a new replica; the caller disposes it.</summary>
    ValueTask<Snapshots.PinnedSnapshot> PinSnapshotAsync(CancellationToken cancellationToken = default);

    /// <summary>Writes a consistent snapshot of every shard to <paramref name="destination"/>.</summary>
    ValueTask<SnapshotInfo> ExportSnapshotAsync(Stream destination, CancellationToken cancellationToken = default);
}
