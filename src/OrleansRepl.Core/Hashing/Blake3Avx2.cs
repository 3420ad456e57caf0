using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// Eight-way BLAKE3 on AVX2: vector lane i carries input i, so one pass over the rounds compresses
/// eight blocks. Message words are transposed into lanes on load and chaining values back on store.
/// </summary>
/// <remarks>
/// The shape is set by the JIT's register allocator and was chosen by measurement; see issue 2's notes.
/// <list type="bullet">
/// <item>One round is written once and looped, reading message words from memory through the schedule
/// row as operands of the adds. Unrolled, the seven rounds inline more temporaries than the JIT tracks, and
/// the JIT time doubles: about 28 ms against 13 ms, which a one-shot tool pays on every run.</item>
/// <item>The c rows live in memory. With all sixteen rows in registers nothing is left for the rotations'
/// temporaries, and the JIT spills those on the critical path. A c row is final three steps before its G
/// ends and first read four steps into the next, which hides the store-to-load forwarding.</item>
/// <item>G runs two at a time, step by step (<see cref="G2"/>), so that neighbouring instructions are
/// independent.</item>
/// <item>No helper takes more than 16 arguments, the most the JIT inlines. A state vector passed by
/// reference to a call that is not inlined is forced into memory for the whole kernel.</item>
/// </list>
/// </remarks>
internal static partial class Blake3Avx2
{
    public const int Lanes = 8;

    public static bool IsSupported => Avx2.IsSupported;

    /// <summary>
    /// Hashes <paramref name="count"/> (1 to 8) inputs that each span <paramref name="blocks"/> whole blocks,
    /// input i starting at <c>i * stride</c>, and writes their chaining values to <paramref name="output"/>
    /// (32 bytes each, in input order). Lane i uses block counter <c>counter + i</c> when
    /// <paramref name="incrementCounter"/> is set, else <paramref name="counter"/>. The first block gets
    /// <paramref name="flagsStart"/> and the last <paramref name="flagsEnd"/>, on top of <paramref name="flags"/>.
    /// </summary>
    public static void HashMany(
        ReadOnlySpan<byte> inputs, int stride, int count, int blocks, in CvWords key,
        ulong counter, bool incrementCounter, uint flags, uint flagsStart, uint flagsEnd, Span<byte> output)
    {
        if ((uint)(count - 1) >= Lanes
            || inputs.Length < ((count - 1) * stride) + (blocks * Blake3Constants.BlockSize)
            || output.Length < count * Blake3Constants.CvSize)
        {
            throw new ArgumentException($"hash-many over {count} inputs of {blocks} blocks at stride {stride} does not fit {inputs.Length} input bytes and {output.Length} output bytes");
        }

        ref var source = ref MemoryMarshal.GetReference(inputs);
        // Lanes past count repeat the last input so every load stays inside the span; their results are dropped.
        var offsets = default(LaneOffsets);
        for (var lane = 0; lane < Lanes; lane++)
        {
            offsets[lane] = (nuint)(Math.Min(lane, count - 1) * stride);
        }

        var laneStep = incrementCounter ? Vector256.Create(0u, 1, 2, 3, 4, 5, 6, 7) : Vector256<uint>.Zero;
        var counterLow = Vector256.Create((uint)counter) + laneStep;
        // A lane whose low word wrapped past 2^32 carries one into its high word (the mask is all ones, i.e. -1).
        var carry = Vector256.LessThan(counterLow, Vector256.Create((uint)counter));
        var counterHigh = Vector256.Create((uint)(counter >> 32)) - carry;

        var h0 = Vector256.Create(key[0]);
        var h1 = Vector256.Create(key[1]);
        var h2 = Vector256.Create(key[2]);
        var h3 = Vector256.Create(key[3]);
        var h4 = Vector256.Create(key[4]);
        var h5 = Vector256.Create(key[5]);
        var h6 = Vector256.Create(key[6]);
        var h7 = Vector256.Create(key[7]);

        var message = default(MessageVectors);
        ref var m = ref message[0];
        var c = default(CRows); // in memory on purpose: see the remarks

        for (var block = 0; block < blocks; block++)
        {
            var at = (nuint)(block * Blake3Constants.BlockSize);
            LoadTransposed(ref source, in offsets, at, out message[0], out message[1], out message[2], out message[3], out message[4], out message[5], out message[6], out message[7]);
            LoadTransposed(ref source, in offsets, at + 32, out message[8], out message[9], out message[10], out message[11], out message[12], out message[13], out message[14], out message[15]);

            var blockFlags = flags;
            if (block == 0)
            {
                blockFlags |= flagsStart;
            }

            if (block == blocks - 1)
            {
                blockFlags |= flagsEnd;
            }

            Vector256<uint> v0 = h0, v1 = h1, v2 = h2, v3 = h3, v4 = h4, v5 = h5, v6 = h6, v7 = h7;
            c[0] = Vector256.Create(Blake3Constants.Iv0);
            c[1] = Vector256.Create(Blake3Constants.Iv1);
            c[2] = Vector256.Create(Blake3Constants.Iv2);
            c[3] = Vector256.Create(Blake3Constants.Iv3);
            var v12 = counterLow;
            var v13 = counterHigh;
            var v14 = Vector256.Create((uint)Blake3Constants.BlockSize);
            var v15 = Vector256.Create(blockFlags);

            for (var round = 0; round < 7; round++)
            {
                var w = Blake3Constants.Schedule.Slice(round * 16, 16);
                G2(ref v0, ref v4, ref c[0], ref v12, ref v1, ref v5, ref c[1], ref v13, in Unsafe.Add(ref m, w[0]), in Unsafe.Add(ref m, w[1]), in Unsafe.Add(ref m, w[2]), in Unsafe.Add(ref m, w[3]));
                G2(ref v2, ref v6, ref c[2], ref v14, ref v3, ref v7, ref c[3], ref v15, in Unsafe.Add(ref m, w[4]), in Unsafe.Add(ref m, w[5]), in Unsafe.Add(ref m, w[6]), in Unsafe.Add(ref m, w[7]));
                G2(ref v0, ref v5, ref c[2], ref v15, ref v1, ref v6, ref c[3], ref v12, in Unsafe.Add(ref m, w[8]), in Unsafe.Add(ref m, w[9]), in Unsafe.Add(ref m, w[10]), in Unsafe.Add(ref m, w[11]));
                G2(ref v2, ref v7, ref c[0], ref v13, ref v3, ref v4, ref c[1], ref v14, in Unsafe.Add(ref m, w[12]), in Unsafe.Add(ref m, w[13]), in Unsafe.Add(ref m, w[14]), in Unsafe.Add(ref m, w[15]));
            }

            h0 = v0 ^ c[0];
            h1 = v1 ^ c[1];
            h2 = v2 ^ c[2];
            h3 = v3 ^ c[3];
            h4 = v4 ^ v12;
            h5 = v5 ^ v13;
            h6 = v6 ^ v14;
            h7 = v7 ^ v15;
        }

        Transpose(ref h0, ref h1, ref h2, ref h3, ref h4, ref h5, ref h6, ref h7);
        Span<byte> lanes = stackalloc byte[Lanes * Blake3Constants.CvSize];
        var target = count == Lanes ? output : lanes;
        ref var destination = ref MemoryMarshal.GetReference(target);
        h0.AsByte().StoreUnsafe(ref destination, 0);
        h1.AsByte().StoreUnsafe(ref destination, 32);
        h2.AsByte().StoreUnsafe(ref destination, 64);
        h3.AsByte().StoreUnsafe(ref destination, 96);
        h4.AsByte().StoreUnsafe(ref destination, 128);
        h5.AsByte().StoreUnsafe(ref destination, 160);
        h6.AsByte().StoreUnsafe(ref destination, 192);
        h7.AsByte().StoreUnsafe(ref destination, 224);
        if (count != Lanes)
        {
            lanes[..(count * Blake3Constants.CvSize)].CopyTo(output);
        }
    }

    /// <summary>
    /// Two independent G functions, step by step. The message word is added before b, so it comes
    /// straight from memory with no temporary.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G2(
        ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d,
        ref Vector256<uint> e, ref Vector256<uint> f, ref Vector256<uint> g, ref Vector256<uint> h,
        in Vector256<uint> mx, in Vector256<uint> my, in Vector256<uint> nx, in Vector256<uint> ny)
    {
        a = a + mx + b;
        e = e + nx + f;
        d = Rotate16(d ^ a);
        h = Rotate16(h ^ e);
        var row = c + d;
        var row2 = g + h;
        b = Rotate12(b ^ row);
        f = Rotate12(f ^ row2);
        a = a + my + b;
        e = e + ny + f;
        d = Rotate8(d ^ a);
        h = Rotate8(h ^ e);
        row += d;
        row2 += h;
        c = row;
        g = row2;
        b = Rotate7(b ^ row);
        f = Rotate7(f ^ row2);
    }

    // Byte-aligned rotations are one byte shuffle; the others are two shifts and an or.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate16(Vector256<uint> x) =>
        Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate8(Vector256<uint> x) =>
        Avx2.Shuffle(x.AsByte(), Vector256.Create((byte)1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate12(Vector256<uint> x) =>
        Vector256.ShiftRightLogical(x, 12) | Vector256.ShiftLeft(x, 20);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Rotate7(Vector256<uint> x) =>
        Vector256.ShiftRightLogical(x, 7) | Vector256.ShiftLeft(x, 25);

    [InlineArray(16)]
    private struct MessageVectors
    {
        private Vector256<uint> _element;
    }

    [InlineArray(4)]
    private struct CRows
    {
        private Vector256<uint> _element;
    }

    [InlineArray(Lanes)]
    private struct LaneOffsets
    {
        private nuint _element;
    }
}
