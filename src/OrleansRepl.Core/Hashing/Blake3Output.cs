using System.Buffers.Binary;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// A node whose compression has not run yet: either it becomes a chaining value for its parent, or,
/// as the root, it is compressed once per 64 bytes of output with the block counter as output position.
/// </summary>
internal struct Blake3Output
{
    public CvWords InputCv;
    public BlockBytes Block;
    public ulong Counter;
    public uint BlockLength;
    public uint Flags;

    public static Blake3Output ParentOf(in CvWords left, in CvWords right, in CvWords key, uint flags)
    {
        var output = default(Blake3Output);
        output.InputCv = key;
        Span<byte> block = output.Block;
        left.WriteTo(block);
        right.WriteTo(block[Blake3Constants.CvSize..]);
        output.BlockLength = Blake3Constants.BlockSize;
        output.Flags = flags | Blake3Constants.Parent;
        return output;
    }

    public readonly CvWords ChainingValue()
    {
        var cv = InputCv;
        Blake3Compress.InPlace(ref cv, Block, Counter, BlockLength, Flags);
        return cv;
    }

    /// <summary>Writes root output bytes starting at byte <paramref name="position"/> of the output stream.</summary>
    public readonly void WriteRoot(ulong position, Span<byte> destination)
    {
        var blockIndex = position / Blake3Constants.BlockSize;
        var skip = (int)(position % Blake3Constants.BlockSize);
        Span<byte> bytes = stackalloc byte[Blake3Constants.BlockSize];
        while (!destination.IsEmpty)
        {
            Blake3Compress.Full(InputCv, Block, blockIndex, BlockLength, Flags | Blake3Constants.Root, out var words);
            for (var i = 0; i < 16; i++)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes[(i * 4)..], words[i]);
            }

            var take = Math.Min(Blake3Constants.BlockSize - skip, destination.Length);
            bytes.Slice(skip, take).CopyTo(destination);
            destination = destination[take..];
            skip = 0;
            blockIndex++;
        }
    }
}
