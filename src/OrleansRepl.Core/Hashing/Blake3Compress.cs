using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// The BLAKE3 compression function on one block: on 128-bit rows where those are accelerated, else on
/// scalar words. The wide kernels in
/// <see cref="Blake3Avx2"/> compute the same function on eight inputs at once. The rounds are written
/// out with constant message indices so every word stays in a local.
/// </summary>
internal static partial class Blake3Compress
{
    /// <summary>Compresses <paramref name="block"/> into <paramref name="cv"/>, keeping only the new chaining value.</summary>
    public static void InPlace(ref CvWords cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags)
    {
        Full(in cv, block, counter, blockLength, flags, out var state);
        ((ReadOnlySpan<uint>)state)[..8].CopyTo(cv);
    }

    /// <summary>
    /// Computes all 16 output words: the first eight are the chaining value, and all sixteen together
    /// (with the second half also fed the input chaining value) are one block of root output.
    /// </summary>
    public static void Full(in CvWords cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags, out StateWords output)
    {
        if (Vector128.IsHardwareAccelerated)
        {
            FullRows(cv, block, counter, blockLength, flags, out output);
        }
        else
        {
            FullScalar(cv, block, counter, blockLength, flags, out output);
        }
    }

    /// <summary>The word-at-a-time compression: the fallback where 128-bit vectors are not accelerated.</summary>
    public static void FullScalar(in CvWords cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags, out StateWords output)
    {
        var m0 = Word(block, 0);
        var m1 = Word(block, 1);
        var m2 = Word(block, 2);
        var m3 = Word(block, 3);
        var m4 = Word(block, 4);
        var m5 = Word(block, 5);
        var m6 = Word(block, 6);
        var m7 = Word(block, 7);
        var m8 = Word(block, 8);
        var m9 = Word(block, 9);
        var m10 = Word(block, 10);
        var m11 = Word(block, 11);
        var m12 = Word(block, 12);
        var m13 = Word(block, 13);
        var m14 = Word(block, 14);
        var m15 = Word(block, 15);

        uint v0 = cv[0], v1 = cv[1], v2 = cv[2], v3 = cv[3];
        uint v4 = cv[4], v5 = cv[5], v6 = cv[6], v7 = cv[7];
        uint v8 = Blake3Constants.Iv0, v9 = Blake3Constants.Iv1, v10 = Blake3Constants.Iv2, v11 = Blake3Constants.Iv3;
        uint v12 = (uint)counter, v13 = (uint)(counter >> 32), v14 = blockLength, v15 = flags;

        // Round 0
        G(ref v0, ref v4, ref v8, ref v12, m0, m1);
        G(ref v1, ref v5, ref v9, ref v13, m2, m3);
        G(ref v2, ref v6, ref v10, ref v14, m4, m5);
        G(ref v3, ref v7, ref v11, ref v15, m6, m7);
        G(ref v0, ref v5, ref v10, ref v15, m8, m9);
        G(ref v1, ref v6, ref v11, ref v12, m10, m11);
        G(ref v2, ref v7, ref v8, ref v13, m12, m13);
        G(ref v3, ref v4, ref v9, ref v14, m14, m15);
        // Round 1
        G(ref v0, ref v4, ref v8, ref v12, m2, m6);
        G(ref v1, ref v5, ref v9, ref v13, m3, m10);
        G(ref v2, ref v6, ref v10, ref v14, m7, m0);
        G(ref v3, ref v7, ref v11, ref v15, m4, m13);
        G(ref v0, ref v5, ref v10, ref v15, m1, m11);
        G(ref v1, ref v6, ref v11, ref v12, m12, m5);
        G(ref v2, ref v7, ref v8, ref v13, m9, m14);
        G(ref v3, ref v4, ref v9, ref v14, m15, m8);
        // Round 2
        G(ref v0, ref v4, ref v8, ref v12, m3, m4);
        G(ref v1, ref v5, ref v9, ref v13, m10, m12);
        G(ref v2, ref v6, ref v10, ref v14, m13, m2);
        G(ref v3, ref v7, ref v11, ref v15, m7, m14);
        G(ref v0, ref v5, ref v10, ref v15, m6, m5);
        G(ref v1, ref v6, ref v11, ref v12, m9, m0);
        G(ref v2, ref v7, ref v8, ref v13, m11, m15);
        G(ref v3, ref v4, ref v9, ref v14, m8, m1);
        // Round 3
        G(ref v0, ref v4, ref v8, ref v12, m10, m7);
        G(ref v1, ref v5, ref v9, ref v13, m12, m9);
        G(ref v2, ref v6, ref v10, ref v14, m14, m3);
        G(ref v3, ref v7, ref v11, ref v15, m13, m15);
        G(ref v0, ref v5, ref v10, ref v15, m4, m0);
        G(ref v1, ref v6, ref v11, ref v12, m11, m2);
        G(ref v2, ref v7, ref v8, ref v13, m5, m8);
        G(ref v3, ref v4, ref v9, ref v14, m1, m6);
        // Round 4
        G(ref v0, ref v4, ref v8, ref v12, m12, m13);
        G(ref v1, ref v5, ref v9, ref v13, m9, m11);
        G(ref v2, ref v6, ref v10, ref v14, m15, m10);
        G(ref v3, ref v7, ref v11, ref v15, m14, m8);
        G(ref v0, ref v5, ref v10, ref v15, m7, m2);
        G(ref v1, ref v6, ref v11, ref v12, m5, m3);
        G(ref v2, ref v7, ref v8, ref v13, m0, m1);
        G(ref v3, ref v4, ref v9, ref v14, m6, m4);
        // Round 5
        G(ref v0, ref v4, ref v8, ref v12, m9, m14);
        G(ref v1, ref v5, ref v9, ref v13, m11, m5);
        G(ref v2, ref v6, ref v10, ref v14, m8, m12);
        G(ref v3, ref v7, ref v11, ref v15, m15, m1);
        G(ref v0, ref v5, ref v10, ref v15, m13, m3);
        G(ref v1, ref v6, ref v11, ref v12, m0, m10);
        G(ref v2, ref v7, ref v8, ref v13, m2, m6);
        G(ref v3, ref v4, ref v9, ref v14, m4, m7);
        // Round 6
        G(ref v0, ref v4, ref v8, ref v12, m11, m15);
        G(ref v1, ref v5, ref v9, ref v13, m5, m0);
        G(ref v2, ref v6, ref v10, ref v14, m1, m9);
        G(ref v3, ref v7, ref v11, ref v15, m8, m6);
        G(ref v0, ref v5, ref v10, ref v15, m14, m10);
        G(ref v1, ref v6, ref v11, ref v12, m2, m12);
        G(ref v2, ref v7, ref v8, ref v13, m3, m4);
        G(ref v3, ref v4, ref v9, ref v14, m7, m13);

        output = default;
        output[0] = v0 ^ v8;
        output[1] = v1 ^ v9;
        output[2] = v2 ^ v10;
        output[3] = v3 ^ v11;
        output[4] = v4 ^ v12;
        output[5] = v5 ^ v13;
        output[6] = v6 ^ v14;
        output[7] = v7 ^ v15;
        output[8] = v8 ^ cv[0];
        output[9] = v9 ^ cv[1];
        output[10] = v10 ^ cv[2];
        output[11] = v11 ^ cv[3];
        output[12] = v12 ^ cv[4];
        output[13] = v13 ^ cv[5];
        output[14] = v14 ^ cv[6];
        output[15] = v15 ^ cv[7];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Word(ReadOnlySpan<byte> block, int index) => BinaryPrimitives.ReadUInt32LittleEndian(block[(index * 4)..]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(ref uint a, ref uint b, ref uint c, ref uint d, uint mx, uint my)
    {
        a = a + b + mx;
        d = BitOperations.RotateRight(d ^ a, 16);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 12);
        a = a + b + my;
        d = BitOperations.RotateRight(d ^ a, 8);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 7);
    }
}
