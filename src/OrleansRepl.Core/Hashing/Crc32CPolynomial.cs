namespace OrleansRepl.Core.Hashing;

/// <summary>
/// Arithmetic modulo the Castagnoli polynomial in the reflected bit order CRC-32C uses: bit 31 is the
/// coefficient of x^0. Appending n zero bytes to a CRC register multiplies it by x^(8n), which is how
/// independently computed CRCs are joined.
/// </summary>
internal static class Crc32CPolynomial
{
    /// <summary>The polynomial 0x1EDC6F41, bit-reversed.</summary>
    public const uint Reflected = 0x82F63B78;

    private const uint One = 1u << 31;

    /// <summary>x^(2^k) mod P for k = 0..63, so x^n takes at most 64 multiplications.</summary>
    private static readonly uint[] PowersOfTwo = BuildPowersOfTwo();

    /// <summary>a·b mod P.</summary>
    public static uint Multiply(uint a, uint b)
    {
        uint product = 0;
        for (var bit = One; bit != 0; bit >>= 1)
        {
            if ((a & bit) != 0)
            {
                product ^= b;
            }

            b = (b & 1) != 0 ? (b >> 1) ^ Reflected : b >> 1;
        }

        return product;
    }

    /// <summary>x^(8·bytes) mod P: the factor that shifts a register past <paramref name="bytes"/> zero bytes.</summary>
    public static uint ShiftFactor(ulong bytes)
    {
        var result = One;
        // Eight bits per byte: start three squarings in.
        for (var k = 3; bytes != 0; k++, bytes >>= 1)
        {
            if ((bytes & 1) != 0)
            {
                result = Multiply(result, PowersOfTwo[k & 63]);
            }
        }

        return result;
    }

    /// <summary>
    /// A table form of multiplication by a fixed factor: the product is the xor of one entry per byte of
    /// the register, four lookups instead of 32 conditional steps.
    /// </summary>
    public static uint[] ShiftTable(ulong bytes)
    {
        var factor = ShiftFactor(bytes);
        var table = new uint[4 * 256];
        for (var lane = 0; lane < 4; lane++)
        {
            for (uint value = 0; value < 256; value++)
            {
                table[(lane * 256) + (int)value] = Multiply(value << (8 * lane), factor);
            }
        }

        return table;
    }

    public static uint Shift(uint crc, uint[] table) =>
        table[(int)(crc & 0xFF)]
        ^ table[256 + (int)((crc >> 8) & 0xFF)]
        ^ table[512 + (int)((crc >> 16) & 0xFF)]
        ^ table[768 + (int)(crc >> 24)];

    private static uint[] BuildPowersOfTwo()
    {
        var powers = new uint[64];
        powers[0] = One >> 1; // x^1
        for (var k = 1; k < powers.Length; k++)
        {
            powers[k] = Multiply(powers[k - 1], powers[k - 1]);
        }

        return powers;
    }
}
