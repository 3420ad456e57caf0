using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Tests.Storage.Files;

public sealed class SafeNameTests
{
    [Theory]
    [InlineData("node-a")]
    [InlineData("Node_7.b")]
    [InlineData("a.b-c_d")]
    public void PlainNames_Pass(string name) => Assert.Equal(name, SafeName.Check(name, "node id"));

    [Theory]
    [InlineData("..", "contains '..' or starts with '.'")]
    [InlineData("a..b", "contains '..' or starts with '.'")]
    [InlineData(".hidden", "contains '..' or starts with '.'")]
    [InlineData("../etc/passwd", "contains '/'")]
    [InlineData("a\\b", "contains '\\'")]
    [InlineData("a b", "contains ' '")]
    [InlineData("nul\0byte", "contains '\\u0000'")]
    [InlineData("ünï", "contains 'ü'")]
    [InlineData("", "it is empty")]
    public void NamesThatCouldEscapeOrHide_AreRefused_SayingWhy(string name, string reason)
    {
        var error = Assert.Throws<UnsafeNameException>(() => SafeName.Check(name, "snapshot token"));
        Assert.StartsWith("snapshot token \"", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void AnOverlongName_IsRefused_WithItsLength() =>
        Assert.Contains("it is 129 characters long; at most 128", Assert.Throws<UnsafeNameException>(() => SafeName.Check(new string('a', 129), "node id")).Message);
}
