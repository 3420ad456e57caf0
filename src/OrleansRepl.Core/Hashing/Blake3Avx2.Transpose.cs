using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace OrleansRepl.Core.Hashing;

/// <summary>Moving words between lane-major (one input per vector) and word-major (one word of every input per vector) form.</summary>
internal static partial class Blake3Avx2
{
    /// <summary>Loads 32 bytes at <paramref name="at"/> of every lane and returns them word-major: aj holds word j of lanes 0..7.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTransposed(
        ref byte source, in LaneOffsets offsets, nuint at,
        out Vector256<uint> a0, out Vector256<uint> a1, out Vector256<uint> a2, out Vector256<uint> a3,
        out Vector256<uint> a4, out Vector256<uint> a5, out Vector256<uint> a6, out Vector256<uint> a7)
    {
        a0 = Vector256.LoadUnsafe(ref source, offsets[0] + at).AsUInt32();
        a1 = Vector256.LoadUnsafe(ref source, offsets[1] + at).AsUInt32();
        a2 = Vector256.LoadUnsafe(ref source, offsets[2] + at).AsUInt32();
        a3 = Vector256.LoadUnsafe(ref source, offsets[3] + at).AsUInt32();
        a4 = Vector256.LoadUnsafe(ref source, offsets[4] + at).AsUInt32();
        a5 = Vector256.LoadUnsafe(ref source, offsets[5] + at).AsUInt32();
        a6 = Vector256.LoadUnsafe(ref source, offsets[6] + at).AsUInt32();
        a7 = Vector256.LoadUnsafe(ref source, offsets[7] + at).AsUInt32();
        Transpose(ref a0, ref a1, ref a2, ref a3, ref a4, ref a5, ref a6, ref a7);
    }

    /// <summary>8×8 transpose of 32-bit words; it is its own inverse.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose(
        ref Vector256<uint> a0, ref Vector256<uint> a1, ref Vector256<uint> a2, ref Vector256<uint> a3,
        ref Vector256<uint> a4, ref Vector256<uint> a5, ref Vector256<uint> a6, ref Vector256<uint> a7)
    {
        // Interleave 32-bit words of row pairs, then 64-bit pairs of those; each 128-bit half now holds
        // four lanes of one word, and a final exchange of halves completes the rows.
        var t0 = Avx2.UnpackLow(a0, a1).AsUInt64();
        var t1 = Avx2.UnpackHigh(a0, a1).AsUInt64();
        var t2 = Avx2.UnpackLow(a2, a3).AsUInt64();
        var t3 = Avx2.UnpackHigh(a2, a3).AsUInt64();
        var t4 = Avx2.UnpackLow(a4, a5).AsUInt64();
        var t5 = Avx2.UnpackHigh(a4, a5).AsUInt64();
        var t6 = Avx2.UnpackLow(a6, a7).AsUInt64();
        var t7 = Avx2.UnpackHigh(a6, a7).AsUInt64();

        var u0 = Avx2.UnpackLow(t0, t2).AsUInt32();
        var u1 = Avx2.UnpackHigh(t0, t2).AsUInt32();
        var u2 = Avx2.UnpackLow(t1, t3).AsUInt32();
        var u3 = Avx2.UnpackHigh(t1, t3).AsUInt32();
        var u4 = Avx2.UnpackLow(t4, t6).AsUInt32();
        var u5 = Avx2.UnpackHigh(t4, t6).AsUInt32();
        var u6 = Avx2.UnpackLow(t5, t7).AsUInt32();
        var u7 = Avx2.UnpackHigh(t5, t7).AsUInt32();

        a0 = Avx2.Permute2x128(u0, u4, 0x20);
        a1 = Avx2.Permute2x128(u1, u5, 0x20);
        a2 = Avx2.Permute2x128(u2, u6, 0x20);
        a3 = Avx2.Permute2x128(u3, u7, 0x20);
        a4 = Avx2.Permute2x128(u0, u4, 0x31);
        a5 = Avx2.Permute2x128(u1, u5, 0x31);
        a6 = Avx2.Permute2x128(u2, u6, 0x31);
        a7 = Avx2.Permute2x128(u3, u7, 0x31);
    }
}
