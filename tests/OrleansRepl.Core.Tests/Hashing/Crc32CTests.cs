using System.Globalization;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Tests.Hashing;

public sealed class Crc32CTests
{
    public static TheoryData<string, string, string> Vectors()
    {
        var data = new TheoryData<string, string, string>();
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "crc32c_vectors.txt");
        foreach (var line in File.ReadLines(path).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var fields = line.Split('\t');
            data.Add(fields[0], fields[1], fields[2]);
        }

        return data;
    }

    [Fact]
    public void VectorFile_HasItsSevenCases() => Assert.Equal(7, Vectors().Count);

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Compute_MatchesTheVector_OnHardwareAndSoftware(string description, string recipe, string expectedHex)
    {
        var input = Recipe(recipe);
        var expected = uint.Parse(expectedHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.True(expected == Crc32C.Compute(input), description);
        Assert.Equal(expected, ~Crc32CSoftware.Update(~0u, input));
        if (Crc32CHardware.IsSupported)
        {
            Assert.Equal(expected, ~Crc32CHardware.Update(~0u, input));
        }
    }

    [Fact]
    public void Append_HelloInTwoPieces_EqualsTheWhole()
    {
        Assert.Equal(0x8C09FD5Bu, Crc32C.Append(Crc32C.Compute("hel"u8), "lo!"u8));
    }

    [Fact]
    public void Append_OverRandomSplits_EqualsComputeOfTheWhole()
    {
        var random = new Random(7);
        for (var trial = 0; trial < 200; trial++)
        {
            var data = new byte[random.Next(0, 100_000)];
            random.NextBytes(data);
            var whole = Crc32C.Compute(data);

            var crc = 0u;
            for (var at = 0; at < data.Length;)
            {
                var piece = Math.Min(data.Length - at, random.Next(0, 30_000));
                crc = Crc32C.Append(crc, data.AsSpan(at, piece));
                at += piece;
            }

            Assert.Equal(whole, crc);
        }
    }

    [Fact]
    public void HardwarePath_EqualsSoftwarePath_AroundEveryStretchBoundary()
    {
        Assert.True(Crc32CHardware.IsSupported, "this x64 machine has SSE4.2; without it the hardware path is never taken and this test would prove nothing");
        var random = new Random(9);
        var data = new byte[(3 * 8192 * 3) + 4096];
        random.NextBytes(data);
        var lengths = new SortedSet<int>();
        foreach (var boundary in new[] { 0, 8, 3 * 256, 3 * 8192, 2 * 3 * 8192, data.Length - 1 })
        {
            for (var delta = -9; delta <= 9; delta++)
            {
                lengths.Add(Math.Clamp(boundary + delta, 0, data.Length));
            }
        }

        for (var i = 0; i < 100; i++)
        {
            lengths.Add(random.Next(data.Length));
        }

        foreach (var length in lengths)
        {
            var seed = (uint)random.Next();
            var slice = data.AsSpan(random.Next(0, 8), Math.Min(length, data.Length - 8)); // unaligned starts too
            Assert.Equal(Crc32CSoftware.Update(seed, slice), Crc32CHardware.Update(seed, slice));
        }
    }

    [Fact]
    public void Combine_EqualsComputeOfTheConcatenation()
    {
        var random = new Random(13);
        for (var trial = 0; trial < 100; trial++)
        {
            var first = new byte[random.Next(0, 5000)];
            var second = new byte[trial == 0 ? 0 : random.Next(0, 70_000)];
            random.NextBytes(first);
            random.NextBytes(second);
            Assert.Equal(
                Crc32C.Compute([.. first, .. second]),
                Crc32C.Combine(Crc32C.Compute(first), Crc32C.Compute(second), second.Length));
        }
    }

    [Fact]
    public void Combine_RejectsNegativeLength() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Crc32C.Combine(1, 2, -1));

    [Fact]
    public void Multiply_ByOne_IsIdentity_AndShiftFactorOfZeroBytes_IsOne()
    {
        Assert.Equal(0x80000000u, Crc32CPolynomial.ShiftFactor(0));
        Assert.Equal(0x12345678u, Crc32CPolynomial.Multiply(0x12345678u, 0x80000000u));
    }

    /// <summary>Decodes an input column of the vector file: hex bytes, or a recipe such as zeros:32.</summary>
    private static byte[] Recipe(string recipe)
    {
        if (recipe == "(none)")
        {
            return [];
        }

        var parts = recipe.Split(':');
        if (parts.Length == 1)
        {
            return Convert.FromHexString(recipe);
        }

        var length = int.Parse(parts[1], CultureInfo.InvariantCulture);
        return parts[0] switch
        {
            "zeros" => new byte[length],
            "ff" => Enumerable.Repeat((byte)0xFF, length).ToArray(),
            "ascending" => Enumerable.Range(0, length).Select(i => (byte)i).ToArray(),
            "descending" => Enumerable.Range(0, length).Select(i => (byte)(length - 1 - i)).ToArray(),
            _ => throw new FormatException($"unknown recipe '{recipe}' in crc32c_vectors.txt"),
        };
    }
}
