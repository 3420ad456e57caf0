using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace OrleansRepl.Core.Hashing;

/// <summary>A chaining value or key: eight little-endian words.</summary>
[InlineArray(8)]
internal struct CvWords
{
    private uint _element;

    public static CvWords FromIv()
    {
        var cv = default(CvWords);
        cv[0] = Blake3Constants.Iv0;
        cv[1] = Blake3Constants.Iv1;
        cv[2] = Blake3Constants.Iv2;
        cv[3] = Blake3Constants.Iv3;
        cv[4] = Blake3Constants.Iv4;
        cv[5] = Blake3Constants.Iv5;
        cv[6] = Blake3Constants.Iv6;
        cv[7] = Blake3Constants.Iv7;
        return cv;
    }

    public static CvWords FromBytes(ReadOnlySpan<byte> bytes)
    {
        var cv = default(CvWords);
        for (var i = 0; i < 8; i++)
        {
            cv[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(i * 4)..]);
        }

        return cv;
    }

    public readonly void WriteTo(Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes((ReadOnlySpan<uint>)this).CopyTo(destination);
            return;
        }

        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[(i * 4)..], this[i]);
        }
    }
}

/// <summary>One 64-byte compression block.</summary>
[InlineArray(Blake3Constants.BlockSize)]
internal struct BlockBytes
{
    private byte _element;
}

/// <summary>The full 16-word output of one compression, before truncation to a chaining value.</summary>
[InlineArray(16)]
internal struct StateWords
{
    private uint _element;
}

/// <summary>The stack of subtree chaining values that the incremental hasher has not merged yet.</summary>
[InlineArray(Blake3Constants.MaxTreeDepth)]
internal struct CvStack
{
    private CvWords _element;
}
