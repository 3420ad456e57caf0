namespace OrleansRepl.Core.Hashing;

/// <summary>
/// CRC-32C (Castagnoli; reflected, initial value and final xor 0xFFFFFFFF), as iSCSI, ext4 and the
/// OrleansRepl wire frames use it. CRCs compose: <c>Append(Compute(a), b) == Compute(a ‖ b)</c>, so a
/// transfer can carry a running CRC across chunks and process restarts.
/// </summary>
public static class Crc32C
{
    /// <summary>True when this processor computes CRC-32C in hardware.</summary>
    public static bool IsHardwareAccelerated => Crc32CHardware.IsSupported;

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    /// <summary>The CRC of the bytes that gave <paramref name="crc"/> followed by <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) =>
        ~(IsHardwareAccelerated ? Crc32CHardware.Update(~crc, data) : Crc32CSoftware.Update(~crc, data));

    /// <summary>
    /// The CRC of <c>a ‖ b</c> from the CRCs of its two parts and the length of the second, in time
    /// logarithmic in that length and without the bytes.
    /// </summary>
    public static uint Combine(uint crcOfFirst, uint crcOfSecond, long lengthOfSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lengthOfSecond);
        return Crc32CPolynomial.Multiply(crcOfFirst, Crc32CPolynomial.ShiftFactor((ulong)lengthOfSecond)) ^ crcOfSecond;
    }
}
