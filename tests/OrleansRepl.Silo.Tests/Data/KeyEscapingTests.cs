using OrleansRepl.Client.Cluster;

namespace OrleansRepl.Silo.Tests.Data;

/// <summary>Keys in URLs: every byte survives the escape and the unescape, and nothing else decodes.</summary>
public sealed class KeyEscapingTests
{
    [Fact]
    public void EveryByteValue_RoundTrips_AndOnlyUnreservedCharactersStayAsTheyAre()
    {
        var all = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        var escaped = KeyEscaping.Escape(all);
        Assert.True(KeyEscaping.TryUnescape(escaped, out var back, out var problem), problem);
        Assert.Equal(all, back);
        Assert.Equal(65 + (3 * (256 - 65)), escaped.Length); // letters, digits, '-', '_' and '~' as they are; every other byte as %XX
        Assert.Equal("a%2Fb%2E%25", KeyEscaping.Escape("a/b.%"u8));
    }

    [Theory]
    [InlineData("a%2Fb", "a/b")]
    [InlineData("a%252Fb", "a%2Fb")]
    [InlineData("a+b", "a+b")]
    [InlineData("%D0%BA%D0%BB", "кл")]
    [InlineData("кл", "кл")]
    public void EscapedText_NamesTheBytesItSays(string escaped, string key)
    {
        Assert.True(KeyEscaping.TryUnescape(escaped, out var bytes, out _));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(key), bytes);
    }

    [Theory]
    [InlineData("a%", 1)]
    [InlineData("a%2", 1)]
    [InlineData("%zz", 0)]
    public void AnUnfinishedEscape_IsRefused_NamingWhere(string escaped, int at)
    {
        Assert.False(KeyEscaping.TryUnescape(escaped, out _, out var problem));
        Assert.Equal($"'%' at character {at} is not followed by two hex digits", problem);
    }

    [Fact]
    public void Display_ShowsPrintableUtf8AsItIs_AndAnythingElseEscaped()
    {
        Assert.Equal("a/b", KeyEscaping.Display("a/b"u8));
        Assert.Equal("%FF%00", KeyEscaping.Display([0xff, 0]));
        Assert.Equal("a%0Ab", KeyEscaping.Display("a\nb"u8));
    }
}
