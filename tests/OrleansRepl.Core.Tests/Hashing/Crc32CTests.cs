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
    public void Compute_AndARunningChecksum_MatchTheVector(string description, string recipe, string expectedHex)
    {
        var input = Recipe(recipe);
        var expected = uint.Parse(expectedHex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.True(expected == Crc32C.Compute(input), description);
        var running = Crc32C.Running();
        running.Append(input.AsSpan(0, input.Length / 2));
        running.Append(input.AsSpan(input.Length / 2));
        Assert.True(expected == running.GetCurrentHashAsUInt32(), description);
    }

    [Fact]
    public void CheckValue_OfTheCatalogue()
    {
        // CRC-32C's check value: the CRC of the nine ASCII digits "123456789".
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
    }

    [Fact]
    public void Append_HelloInTwoPieces_EqualsTheWhole()
    {
        Assert.Equal(0x8C09FD5Bu, Crc32C.Append(Crc32C.Compute("hel"u8), "lo!"u8));
    }

    [Fact]
    public void Append_OfNothing_KeepsTheValue()
    {
        Assert.Equal(0xDEADBEEFu, Crc32C.Append(0xDEADBEEFu, []));
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
