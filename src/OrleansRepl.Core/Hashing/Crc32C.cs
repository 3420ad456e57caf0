using System.IO.Hashing;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// CRC-32C (Castagnoli; reflected, initial value and final xor 0xFFFFFFFF), as iSCSI, ext4 and the OrleansRepl
/// wire frames use it, through System.IO.Hashing. A checksum that runs over many pieces keeps a
/// <see cref="Running"/> instance; <see cref="Append"/> continues one known only by its value (a checksum stored
/// across a restart, or sent by a peer), which is slower per byte, so it is for short tails.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data) => Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);

    /// <summary>A running CRC-32C: <c>Append</c> the pieces, read it with <c>GetCurrentHashAsUInt32</c>.</summary>
    public static Crc32 Running() => new(Crc32ParameterSet.Crc32C);

    /// <summary>
    /// The CRC of the bytes that gave <paramref name="crc"/> followed by <paramref name="data"/>:
    /// <c>Append(Compute(a), b) == Compute(a ‖ b)</c>. The register is seeded with the inverse of the stored value,
    /// which undoes the final xor; the package then runs CRC-32C on from there.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var standard = Crc32ParameterSet.Crc32C;
        return crc == 0
            ? Compute(data) // ~0 is the standard initial value: the fast built-in parameter set
            : Crc32.HashToUInt32(Crc32ParameterSet.Create(standard.Polynomial, ~crc, standard.FinalXorValue, standard.ReflectValues), data);
    }
}
