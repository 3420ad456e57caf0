using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// One piece of a snapshot in transit. Every piece repeats what identifies the snapshot (source, token, the
/// LSN each shard was captured at, total length and CRC-32C, and the store root it must install to), so a
/// sink can tell a continuation of its transfer from a different one.
/// </summary>
public sealed record SnapshotEnvelope(
    string SourceCluster,
    string SourceNode,
    string Token,
    IReadOnlyList<long> SnapshotLsns,
    long TotalBytes,
    uint TotalCrc32C,
    Blake3Hash StoreRoot,
    long Offset,
    ReadOnlyMemory<byte> Data,
    bool Done);

/// <summary>Bytes received so far of a snapshot of <see cref="TotalBytes"/>.</summary>
public readonly record struct SnapshotProgress(string Token, long BytesDone, long TotalBytes);
