using System.Buffers.Binary;

namespace OrleansRepl.Core.Hashing;

/// <summary>Table-driven CRC-32C, eight bytes per step (slicing-by-8), for processors without a CRC instruction.</summary>
internal static class Crc32CSoftware
{
    private static readonly uint[] Tables = BuildTables();

    /// <summary>Advances the raw register (no pre- or post-inversion) over <paramref name="data"/>.</summary>
    public static uint Update(uint register, ReadOnlySpan<byte> data)
    {
        var tables = Tables;
        while (data.Length >= 8)
        {
            var low = BinaryPrimitives.ReadUInt32LittleEndian(data) ^ register;
            var high = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
            register = tables[(7 * 256) + (int)(low & 0xFF)]
                ^ tables[(6 * 256) + (int)((low >> 8) & 0xFF)]
                ^ tables[(5 * 256) + (int)((low >> 16) & 0xFF)]
                ^ tables[(4 * 256) + (int)(low >> 24)]
                ^ tables[(3 * 256) + (int)(high & 0xFF)]
                ^ tables[(2 * 256) + (int)((high >> 8) & 0xFF)]
                ^ tables[256 + (int)((high >> 16) & 0xFF)]
                ^ tables[(int)(high >> 24)];
            data = data[8..];
        }

        foreach (var b in data)
        {
            register = tables[(int)((register ^ b) & 0xFF)] ^ (register >> 8);
        }

        return register;
    }

    /// <summary>Table k maps a byte to its effect on the register after k more zero bytes.</summary>
    private static uint[] BuildTables()
    {
        var tables = new uint[8 * 256];
        for (uint value = 0; value < 256; value++)
        {
            var crc = value;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ Crc32CPolynomial.Reflected : crc >> 1;
            }

            tables[value] = crc;
        }

        for (var k = 1; k < 8; k++)
        {
            for (var value = 0; value < 256; value++)
            {
                var previous = tables[((k - 1) * 256) + value];
                tables[(k * 256) + value] = tables[(int)(previous & 0xFF)] ^ (previous >> 8);
            }
        }

        return tables;
    }
}
