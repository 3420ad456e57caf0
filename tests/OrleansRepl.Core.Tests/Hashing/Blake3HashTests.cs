using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Tests.Hashing;

public sealed class Blake3HashTests
{
    private const string EmptyInputHash = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";

    [Fact]
    public void TextForm_IsLowercaseHex_AndRoundTrips()
    {
        var hash = Blake3Hasher.Hash([]);
        Assert.Equal(EmptyInputHash, hash.ToString());
        Assert.Equal(hash, Blake3Hash.Parse(EmptyInputHash));
        Assert.Equal(hash, Blake3Hash.Parse(EmptyInputHash.ToUpperInvariant()));
    }

    [Fact]
    public void Bytes_RoundTrip_AndEqualityIsByValue()
    {
        var bytes = Convert.FromHexString(EmptyInputHash);
        var hash = new Blake3Hash(bytes);
        Assert.Equal(bytes, hash.ToArray());
        Assert.True(hash == Blake3Hasher.Hash([]));
        Assert.True(hash != Blake3Hasher.Hash([1]));
        Assert.Equal(hash.GetHashCode(), Blake3Hasher.Hash([]).GetHashCode());
    }

    [Fact]
    public void Order_IsTheByteOrder_AndTheHexTextOrder()
    {
        var hashes = Enumerable.Range(0, 200).Select(i => Blake3Hasher.Hash(BitConverter.GetBytes(i))).ToList();
        Assert.Equal(hashes.Select(h => h.ToString()).Order(StringComparer.Ordinal), hashes.Order().Select(h => h.ToString()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("af13")]
    [InlineData("zz1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262")]
    [InlineData("af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f326200")]
    public void Parse_RejectsAnythingButSixtyFourHexDigits(string text)
    {
        Assert.False(Blake3Hash.TryParse(text, out _));
        var error = Assert.Throws<FormatException>(() => Blake3Hash.Parse(text));
        Assert.Contains("64 hex digits", error.Message);
    }

    [Fact]
    public void Construction_RejectsWrongLength_NamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new Blake3Hash(new byte[31]));
        Assert.Contains("32 bytes, got 31", error.Message);
    }
}
