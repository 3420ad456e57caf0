using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Snapshots;

namespace OrleansRepl.Core.Storage;

/// <summary>Exporting a consistent point-in-time snapshot of the whole store.</summary>
public sealed partial class LogStore
{
    /// <summary>The piece size in which sealed segments are read into a snapshot.</summary>
    private const int ExportPieceSize = 1 << 20;

    /// <summary>
    /// Writes a snapshot of every shard, each as of one moment, to <paramref name="destination"/>. Writes
    /// may continue meanwhile; they are not in the snapshot. Returns the declared length, the CRC-32C
    /// of the stream, and the store root the snapshot reproduces when imported.
    /// </summary>
    public async ValueTask<SnapshotInfo> ExportSnapshotAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var shards = new List<ShardSnapshot>(_shards.Length);
        foreach (var shard in _shards)
        {
            shards.Add(await shard.FreezeAsync(cancellationToken));
        }

        var header = new MemoryStream();
        header.Write(SnapshotFormat.Magic);
        var total = (long)SnapshotFormat.PrefixSize + SnapshotFormat.TrailerSize;
        foreach (var shard in shards)
        {
            total += SnapshotFormat.ShardHeaderSize + (shard.Sealed.Count * (long)SnapshotFormat.SegmentEntrySize) + shard.Active.Length + shard.Sealed.Sum(s => s.Bytes);
        }

        var number = new byte[8];
        WriteUInt64(header, number, (ulong)total);
        WriteUInt32(header, number, (uint)shards.Count);
        foreach (var shard in shards)
        {
            WriteUInt64(header, number, (ulong)shard.NextLsn);
            WriteUInt64(header, number, (ulong)shard.ActiveFirstLsn);
            WriteUInt64(header, number, (ulong)shard.Active.Length);
            WriteUInt32(header, number, (uint)shard.Sealed.Count);
            foreach (var segment in shard.Sealed)
            {
                header.Write(Blake3Hash.Parse(segment.Hash).ToArray());
                WriteUInt64(header, number, (ulong)segment.FirstLsn);
                WriteUInt64(header, number, (ulong)segment.LastLsn);
                WriteUInt64(header, number, (ulong)segment.Bytes);
                WriteUInt64(header, number, (ulong)segment.Records);
                header.WriteByte(segment.Imported ? (byte)1 : (byte)0);
            }
        }

        var crc = Crc32C.Running();
        var headerBytes = header.ToArray();
        crc.Append(headerBytes);
        await destination.WriteAsync(headerBytes, cancellationToken);
        var piece = ArrayPool<byte>.Shared.Rent(ExportPieceSize);
        try
        {
            for (var index = 0; index < shards.Count; index++)
            {
                var shard = shards[index];
                foreach (var segment in shard.Sealed)
                {
                    await CopySealedAsync(index, shard.PathOf(segment.Hash), segment.Bytes, piece, crc, destination, cancellationToken);
                }

                crc.Append(shard.Active);
                await destination.WriteAsync(shard.Active, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(piece);
        }

        var content = crc.GetCurrentHashAsUInt32();
        BinaryPrimitives.WriteUInt32LittleEndian(number, content);
        await destination.WriteAsync(number.AsMemory(0, 4), cancellationToken);
        return new SnapshotInfo(total, content, SnapshotRoot(shards), shards.Select(s => s.NextLsn - 1).ToList());
    }

    /// <summary>
    /// Copies one sealed segment's file into the snapshot a piece at a time (a segment is up to
    /// <see cref="StoreOptions.SegmentRollBytes"/>, 64 MiB by default: never read whole). A file whose length is not
    /// the one its manifest entry declares (and the snapshot header already promised) stops the export, naming it.
    /// </summary>
    private static async ValueTask CopySealedAsync(int shard, string path, long declared, byte[] piece, Crc32 crc, Stream destination, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
        var copied = 0L;
        int read;
        while ((read = await file.ReadAsync(piece.AsMemory(0, ExportPieceSize), cancellationToken)) > 0)
        {
            copied += read;
            if (copied > declared)
            {
                break;
            }

            crc.Append(piece.AsSpan(0, read));
            await destination.WriteAsync(piece.AsMemory(0, read), cancellationToken);
        }

        if (copied != declared)
        {
            var holds = copied > declared ? $"more than {declared}" : copied.ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new InvalidDataException($"shard {shard}: sealed segment {path} holds {holds} bytes where its manifest entry declares {declared}; the snapshot export stops (check the store with `orepl store verify`)");
        }
    }

    /// <summary>The store root of the frozen shards: the same formula as <see cref="StoreRootAsync"/>.</summary>
    private static Blake3Hash SnapshotRoot(IReadOnlyList<ShardSnapshot> shards)
    {
        var tree = new Merkle.SegmentSetTree(shards.SelectMany(s => s.Sealed).Select(s => Blake3Hash.Parse(s.Hash)));
        return ComputeStoreRoot(tree.Root, shards.Select(s => Blake3Hasher.Hash(s.Active)).ToList());
    }

    private static void WriteUInt64(Stream stream, byte[] buffer, ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        stream.Write(buffer, 0, 8);
    }

    private static void WriteUInt32(Stream stream, byte[] buffer, uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        stream.Write(buffer, 0, 4);
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
