using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// CRC-32C on the processor's CRC instruction. One instruction has a latency of about three cycles but can
/// start every cycle, so large inputs run as three interleaved streams over adjacent stretches whose
/// registers are then joined by shifting: R(a‖b‖c) = R(a)·x^(16L) ⊕ R(b)·x^(8L) ⊕ R(c).
/// </summary>
internal static class Crc32CHardware
{
    private const int LongStretch = 8 * 1024;
    private const int ShortStretch = 256;

    private static readonly uint[] LongShift = Crc32CPolynomial.ShiftTable(LongStretch);
    private static readonly uint[] ShortShift = Crc32CPolynomial.ShiftTable(ShortStretch);

    /// <summary>True where <see cref="BitOperations.Crc32C(uint, ulong)"/> is one instruction rather than a table walk.</summary>
    public static bool IsSupported => Sse42.X64.IsSupported || Crc32.Arm64.IsSupported;

    /// <summary>Advances the raw register (no pre- or post-inversion) over <paramref name="data"/>.</summary>
    public static uint Update(uint register, ReadOnlySpan<byte> data)
    {
        ref var start = ref MemoryMarshal.GetReference(data);
        nuint offset = 0;
        var length = (nuint)data.Length;

        while (length - offset >= 3 * LongStretch)
        {
            register = ThreeStreams(register, ref Unsafe.Add(ref start, offset), LongStretch, LongShift);
            offset += 3 * LongStretch;
        }

        while (length - offset >= 3 * ShortStretch)
        {
            register = ThreeStreams(register, ref Unsafe.Add(ref start, offset), ShortStretch, ShortShift);
            offset += 3 * ShortStretch;
        }

        for (; length - offset >= 8; offset += 8)
        {
            register = BitOperations.Crc32C(register, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, offset)));
        }

        for (; offset < length; offset++)
        {
            register = BitOperations.Crc32C(register, Unsafe.Add(ref start, offset));
        }

        return register;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ThreeStreams(uint register, ref byte stretch, nuint stretchLength, uint[] shift)
    {
        var first = register;
        uint second = 0;
        uint third = 0;
        ref var secondStart = ref Unsafe.Add(ref stretch, stretchLength);
        ref var thirdStart = ref Unsafe.Add(ref stretch, 2 * stretchLength);
        for (nuint i = 0; i < stretchLength; i += 8)
        {
            first = BitOperations.Crc32C(first, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref stretch, i)));
            second = BitOperations.Crc32C(second, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref secondStart, i)));
            third = BitOperations.Crc32C(third, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref thirdStart, i)));
        }

        return Crc32CPolynomial.Shift(Crc32CPolynomial.Shift(first, shift) ^ second, shift) ^ third;
    }
}
