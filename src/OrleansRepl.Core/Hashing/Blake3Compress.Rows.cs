using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// One block on four 128-bit rows, the state laid out as a 4×4 matrix: each G step updates all four
/// columns at once, and rotating rows b, c and d by one, two and three lanes turns the diagonals into
/// columns for the second half of the round.
/// </summary>
internal static partial class Blake3Compress
{
    public static void FullRows(in CvWords cv, ReadOnlySpan<byte> block, ulong counter, uint blockLength, uint flags, out StateWords output)
    {
        var m = default(StateWords);
        for (var i = 0; i < 16; i++)
        {
            m[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(block[(i * 4)..]);
        }

        ref var w0 = ref m[0];
        var cvLow = Vector128.Create(cv[0], cv[1], cv[2], cv[3]);
        var cvHigh = Vector128.Create(cv[4], cv[5], cv[6], cv[7]);
        var a = cvLow;
        var b = cvHigh;
        var c = Vector128.Create(Blake3Constants.Iv0, Blake3Constants.Iv1, Blake3Constants.Iv2, Blake3Constants.Iv3);
        var d = Vector128.Create((uint)counter, (uint)(counter >> 32), blockLength, flags);

        for (var round = 0; round < 7; round++)
        {
            var s = Blake3Constants.Schedule.Slice(round * 16, 16);
            // Gathers do not depend on the state, so they run ahead of the G chain.
            var columnX = Vector128.Create(Unsafe.Add(ref w0, s[0]), Unsafe.Add(ref w0, s[2]), Unsafe.Add(ref w0, s[4]), Unsafe.Add(ref w0, s[6]));
            var columnY = Vector128.Create(Unsafe.Add(ref w0, s[1]), Unsafe.Add(ref w0, s[3]), Unsafe.Add(ref w0, s[5]), Unsafe.Add(ref w0, s[7]));
            var diagonalX = Vector128.Create(Unsafe.Add(ref w0, s[8]), Unsafe.Add(ref w0, s[10]), Unsafe.Add(ref w0, s[12]), Unsafe.Add(ref w0, s[14]));
            var diagonalY = Vector128.Create(Unsafe.Add(ref w0, s[9]), Unsafe.Add(ref w0, s[11]), Unsafe.Add(ref w0, s[13]), Unsafe.Add(ref w0, s[15]));

            G(ref a, ref b, ref c, ref d, columnX, columnY);
            b = Vector128.Shuffle(b, Vector128.Create(1u, 2, 3, 0));
            c = Vector128.Shuffle(c, Vector128.Create(2u, 3, 0, 1));
            d = Vector128.Shuffle(d, Vector128.Create(3u, 0, 1, 2));
            G(ref a, ref b, ref c, ref d, diagonalX, diagonalY);
            b = Vector128.Shuffle(b, Vector128.Create(3u, 0, 1, 2));
            c = Vector128.Shuffle(c, Vector128.Create(2u, 3, 0, 1));
            d = Vector128.Shuffle(d, Vector128.Create(1u, 2, 3, 0));
        }

        output = default;
        var words = MemoryMarshal.Cast<uint, Vector128<uint>>((Span<uint>)output);
        words[0] = a ^ c;
        words[1] = b ^ d;
        words[2] = c ^ cvLow;
        words[3] = d ^ cvHigh;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(ref Vector128<uint> a, ref Vector128<uint> b, ref Vector128<uint> c, ref Vector128<uint> d, Vector128<uint> mx, Vector128<uint> my)
    {
        a = a + mx + b;
        d = Vector128.Shuffle((d ^ a).AsByte(), Vector128.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();
        c += d;
        b = b ^ c;
        b = Vector128.ShiftRightLogical(b, 12) | Vector128.ShiftLeft(b, 20);
        a = a + my + b;
        d = Vector128.Shuffle((d ^ a).AsByte(), Vector128.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();
        c += d;
        b = b ^ c;
        b = Vector128.ShiftRightLogical(b, 7) | Vector128.ShiftLeft(b, 25);
    }
}
