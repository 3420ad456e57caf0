using System.Buffers.Binary;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>Reads a snapshot stream exactly, keeping the running CRC-32C and the offset for error messages.</summary>
internal sealed class SnapshotReader(Stream source)
{
    private readonly byte[] _number = new byte[8];
    private readonly System.IO.Hashing.Crc32 _crc = Crc32C.Running();

    public long Offset { get; private set; }

    /// <summary>The CRC-32C of everything read so far.</summary>
    public uint Crc => _crc.GetCurrentHashAsUInt32();

    public async ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < destination.Length)
        {
            var n = await source.ReadAsync(destination[read..], cancellationToken);
            if (n == 0)
            {
                throw new SnapshotCorruptException(Offset + read, $"the stream ends {destination.Length - read} bytes early");
            }

            read += n;
        }

        _crc.Append(destination.Span);
        Offset += destination.Length;
    }

    public async ValueTask<ulong> ReadUInt64Async(CancellationToken cancellationToken)
    {
        await ReadExactlyAsync(_number.AsMemory(0, 8), cancellationToken);
        return BinaryPrimitives.ReadUInt64LittleEndian(_number);
    }

    public async ValueTask<uint> ReadUInt32Async(CancellationToken cancellationToken)
    {
        await ReadExactlyAsync(_number.AsMemory(0, 4), cancellationToken);
        return BinaryPrimitives.ReadUInt32LittleEndian(_number);
    }

    /// <summary>Copies <paramref name="length"/> bytes to <paramref name="path"/>, fsynced, and returns their BLAKE3.</summary>
    public async ValueTask<Blake3Hash> CopyToFileAsync(string path, long length, CancellationToken cancellationToken)
    {
        using var hasher = new Blake3Hasher();
        var buffer = new byte[(int)Math.Min(length, 1 << 20)];
        using var handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        for (long done = 0; done < length;)
        {
            var piece = buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - done));
            await ReadExactlyAsync(piece, cancellationToken);
            hasher.Update(piece.Span);
            await RandomAccess.WriteAsync(handle, piece, done, cancellationToken);
            done += piece.Length;
        }

        RandomAccess.FlushToDisk(handle);
        return hasher.FinalizeHash();
    }

    /// <summary>Reads the trailer and checks it against everything read before it.</summary>
    public async ValueTask VerifyTrailerAsync(CancellationToken cancellationToken)
    {
        var computed = Crc;
        var declared = await ReadUInt32Async(cancellationToken);
        if (declared != computed)
        {
            throw new SnapshotCorruptException(Offset - 4, $"declared CRC-32C {declared:x8}, computed {computed:x8}");
        }

        if (await source.ReadAsync(_number.AsMemory(0, 1), cancellationToken) != 0)
        {
            throw new SnapshotCorruptException(Offset, "bytes follow the trailer");
        }
    }
}
