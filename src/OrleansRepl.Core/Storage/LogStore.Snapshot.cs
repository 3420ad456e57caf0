using System.Buffers;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Snapshots;

namespace OrleansRepl.Core.Storage;

/// <summary>Taking a consistent point-in-time snapshot of the whole store.</summary>
public sealed partial class LogStore
{
    /// <summary>The piece size in which a snapshot is copied to a stream.</summary>
    private const int ExportPieceSize = 1 << 20;

    /// <summary>
    /// Freezes every shard, each as of one moment, and returns the snapshot pinned by reference: sealed segment
    /// files held open, only the active bytes copied. Writes may continue meanwhile; they are not in it. A sealed
    /// file that is missing or of another length than its manifest entry stops the pin with
    /// <see cref="InvalidDataException"/>, naming it. The caller disposes the snapshot.
    /// </summary>
    public async ValueTask<PinnedSnapshot> PinSnapshotAsync(CancellationToken cancellationToken = default)
    {
        var shards = new List<ShardSnapshot>(_shards.Length);
        try
        {
            foreach (var shard in _shards)
            {
                shards.Add(await shard.FreezeAsync(cancellationToken));
            }

            return new PinnedSnapshot(shards);
        }
        catch
        {
            shards.ForEach(s => s.CloseFiles());

            throw;
        }
    }

    /// <summary>
    /// Writes a snapshot of every shard, each as of one moment, to <paramref name="destination"/>. Returns the
    /// length, the CRC-32C of everything before the trailer, and the store root the snapshot reproduces.
    /// </summary>
    public async ValueTask<SnapshotInfo> ExportSnapshotAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var snapshot = await PinSnapshotAsync(cancellationToken);
        var crc = Crc32C.Running();
        var piece = ArrayPool<byte>.Shared.Rent(ExportPieceSize);
        try
        {
            for (var offset = 0L; offset < snapshot.PayloadLength;)
            {
                var read = await snapshot.ReadAsync(offset, piece.AsMemory(0, ExportPieceSize), cancellationToken);
                crc.Append(piece.AsSpan(0, read));
                await destination.WriteAsync(piece.AsMemory(0, read), cancellationToken);
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(piece);
        }

        var content = crc.GetCurrentHashAsUInt32();
        await destination.WriteAsync(SnapshotFormat.Trailer(content), cancellationToken);
        return new SnapshotInfo(snapshot.Length, content, snapshot.StoreRoot, snapshot.ShardLsns);
    }
}

/// <summary>
/// A snapshot: its length, the CRC-32C of everything before its trailer, the store root it installs to, and
/// the last LSN of each shard it holds (0 for an empty shard).
/// </summary>
public sealed record SnapshotInfo(long Length, uint Crc32C, Blake3Hash StoreRoot, IReadOnlyList<long> ShardLsns)
{
    /// <summary>Equal when every field is, the shard LSNs compared element by element.</summary>
    public bool Equals(SnapshotInfo? other) =>
        other is not null && Length == other.Length && Crc32C == other.Crc32C && StoreRoot == other.StoreRoot && ShardLsns.SequenceEqual(other.ShardLsns);

    public override int GetHashCode() => HashCode.Combine(Length, Crc32C, StoreRoot, ShardLsns.Count);
}
