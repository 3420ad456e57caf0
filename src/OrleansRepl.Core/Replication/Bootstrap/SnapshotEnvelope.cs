using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// One piece of a snapshot in transit. Every piece repeats what identifies the snapshot (source, token, the
/// LSN each shard was captured at, total length, and the store root it must install to), so a sink can tell a
/// continuation of its transfer from a different one. The stream's own CRC-32C is its trailer, in the last piece:
/// the source computes it as the bytes go out, never in a pass of its own; each piece's frame has its own CRC.
/// </summary>
public sealed record SnapshotEnvelope(
    string SourceCluster,
    string SourceNode,
    string Token,
    IReadOnlyList<long> SnapshotLsns,
    long TotalBytes,
    Blake3Hash StoreRoot,
    long Offset,
    ReadOnlyMemory<byte> Data,
    bool Done);

/// <summary>Bytes received so far of a snapshot of <see cref="TotalBytes"/>.</summary>
public readonly record struct SnapshotProgress(string Token, long BytesDone, long TotalBytes);
