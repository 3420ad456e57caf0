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
/// The kernel is shaped for the JIT's register allocator. One round is written once and looped, and
/// reads its message words from memory through the schedule row, which the adds take as memory
/// operands: unrolling all seven rounds inlines so many temporaries that the JIT stops tracking locals
/// and keeps them in memory, and permuting the words between rounds costs a copy of each. Every helper takes at most 16 arguments, the most
/// the JIT will inline; a state vector passed by reference to a call that is not inlined would be
/// forced out of registers for the whole kernel.
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        // The d rows live in memory on purpose: with all sixteen rows in registers nothing is left for
        // the rotations' temporaries, and the JIT spills those on the critical path instead.
        var d = default(DRows);
        for (var block = 0; block < blocks; block++)
        {
            var at = (nuint)(block * Blake3Constants.BlockSize);
            Prefetch(ref source, in offsets, at + PrefetchDistance);
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
            var v8 = Vector256.Create(Blake3Constants.Iv0);
            var v9 = Vector256.Create(Blake3Constants.Iv1);
            var v10 = Vector256.Create(Blake3Constants.Iv2);
            var v11 = Vector256.Create(Blake3Constants.Iv3);
            d[0] = counterLow;
            d[1] = counterHigh;
            d[2] = Vector256.Create((uint)Blake3Constants.BlockSize);
            d[3] = Vector256.Create(blockFlags);

            // Round 0: message words in the schedule's order for this round.
            G(ref v0, ref v4, ref v8, ref d[0], in message[0], in message[1]);
            G(ref v1, ref v5, ref v9, ref d[1], in message[2], in message[3]);
            G(ref v2, ref v6, ref v10, ref d[2], in message[4], in message[5]);
            G(ref v3, ref v7, ref v11, ref d[3], in message[6], in message[7]);
            G(ref v0, ref v5, ref v10, ref d[3], in message[8], in message[9]);
            G(ref v1, ref v6, ref v11, ref d[0], in message[10], in message[11]);
            G(ref v2, ref v7, ref v8, ref d[1], in message[12], in message[13]);
            G(ref v3, ref v4, ref v9, ref d[2], in message[14], in message[15]);
            // Round 1: message words in the schedule's order for this round.
            G(ref v0, ref v4, ref v8, ref d[0], in message[2], in message[6]);
            G(ref v1, ref v5, ref v9, ref d[1], in message[3], in message[10]);
            G(ref v2, ref v6, ref v10, ref d[2], in message[7], in message[0]);
            G(ref v3, ref v7, ref v11, ref d[3], in message[4], in message[13]);
            G(ref v0, ref v5, ref v10, ref d[3], in message[1], in message[11]);
            G(ref v1, ref v6, ref v11, ref d[0], in message[12], in message[5]);
            G(ref v2, ref v7, ref v8, ref d[1], in message[9], in message[14]);
            G(ref v3, ref v4, ref v9, ref d[2], in message[15], in message[8]);
            // Round 2: message words in the schedule's order for this round.
            G(ref v0, ref v4, ref v8, ref d[0], in message[3], in message[4]);
            G(ref v1, ref v5, ref v9, ref d[1], in message[10], in message[12]);
            G(ref v2, ref v6, ref v10, ref d[2], in message[13], in message[2]);
            G(ref v3, ref v7, ref v11, ref d[3], in message[7], in message[14]);
            G(ref v0, ref v5, ref v10, ref d[3], in message[6], in message[5]);
            G(ref v1, ref v6, ref v11, ref d[0], in message[9], in message[0]);
            G(ref v2, ref v7, ref v8, ref d[1], in message[11], in message[15]);
            G(ref v3, ref v4, ref v9, ref d[2], in message[8], in message[1]);
            // Round 3: message words in the schedule's order for this round.
            G(ref v0, ref v4, ref v8, ref d[0], in message[10], in message[7]);
            G(ref v1, ref v5, ref v9, ref d[1], in message[12], in message[9]);
            G(ref v2, ref v6, ref v10, ref d[2], in message[14], in message[3]);
            G(ref v3, ref v7, ref v11, ref d[3], in message[13], in message[15]);
            G(ref v0, ref v5, ref v10, ref d[3], in message[4], in message[0]);
            G(ref v1, ref v6, ref v11, ref d[0], in message[11], in message[2]);
            G(ref v2, ref v7, ref v8, ref d[1], in message[5], in message[8]);
            G(ref v3, ref v4, ref v9, ref d[2], in message[1], in message[6]);
            // Round 4: message words in the schedule's order for this round.
            G(ref v0, ref v4, ref v8, ref d[0], in message[12], in message[13]);
            G(ref v1, ref v5, ref v9, ref d[1], in message[9], in message[11]);
            G(ref v2, ref v6, ref v10, ref d[2], in message[15], in message[10]);
            G(ref v3, ref v7, ref v11, ref d[3], in message[14], in message[8]);
            G(ref v0, ref v5, ref v10, ref d[3], in message[7], in message[2]);
            G(ref v1, ref v6, ref v11, ref d[0], in message[5], in message[3]);
            G(ref v2, ref v7, ref v8, ref d[1], in message[0], in message[1]);
            G(ref v3, ref v4, ref v9, ref d[2], in message[6], in message[4]);
            // Round 5: message words in the schedule's order for this round.
            G(ref v0, ref v4, ref v8, ref d[0], in message[9], in message[14]);
            G(ref v1, ref v5, ref v9, ref d[1], in message[11], in message[5]);
            G(ref v2, ref v6, ref v10, ref d[2], in message[8], in message[12]);
            G(ref v3, ref v7, ref v11, ref d[3], in message[15], in message[1]);
            G(ref v0, ref v5, ref v10, ref d[3], in message[13], in message[3]);
            G(ref v1, ref v6, ref v11, ref d[0], in message[0], in message[10]);
            G(ref v2, ref v7, ref v8, ref d[1], in message[2], in message[6]);
            G(ref v3, ref v4, ref v9, ref d[2], in message[4], in message[7]);
            // Round 6: message words in the schedule's order for this round.
            G(ref v0, ref v4, ref v8, ref d[0], in message[11], in message[15]);
            G(ref v1, ref v5, ref v9, ref d[1], in message[5], in message[0]);
            G(ref v2, ref v6, ref v10, ref d[2], in message[1], in message[9]);
            G(ref v3, ref v7, ref v11, ref d[3], in message[8], in message[6]);
            G(ref v0, ref v5, ref v10, ref d[3], in message[14], in message[10]);
            G(ref v1, ref v6, ref v11, ref d[0], in message[2], in message[12]);
            G(ref v2, ref v7, ref v8, ref d[1], in message[3], in message[4]);
            G(ref v3, ref v4, ref v9, ref d[2], in message[7], in message[13]);

            h0 = v0 ^ v8;
            h1 = v1 ^ v9;
            h2 = v2 ^ v10;
            h3 = v3 ^ v11;
            h4 = v4 ^ d[0];
            h5 = v5 ^ d[1];
            h6 = v6 ^ d[2];
            h7 = v7 ^ d[3];
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

    /// <summary>How far ahead of the block being hashed each lane's input is requested from memory.</summary>
    private const int PrefetchDistance = 4 * Blake3Constants.BlockSize;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref byte source, in LaneOffsets offsets, nuint at)
    {
        // Only a hint: an address past the input is never dereferenced.
        for (var lane = 0; lane < Lanes; lane++)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref source, offsets[lane] + at)));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(
        ref Vector256<uint> a, ref Vector256<uint> b, ref Vector256<uint> c, ref Vector256<uint> d,
        in Vector256<uint> mx, in Vector256<uint> my)
    {
        // Adding the message word first lets it come straight from memory into a, with no temporary.
        a = a + mx + b;
        var row = Rotate16(d ^ a);
        c += row;
        b = Rotate12(b ^ c);
        a = a + my + b;
        row = Rotate8(row ^ a);
        c += row;
        b = Rotate7(b ^ c);
        d = row;
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
    private struct DRows
    {
        private Vector256<uint> _element;
    }

    [InlineArray(Lanes)]
    private struct LaneOffsets
    {
        private nuint _element;
    }
}
