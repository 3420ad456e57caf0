using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Tests.Keys;

public sealed class GrainKeysTests
{
    [Fact]
    public void Keys_HaveTheirOneForm_AndParseBack()
    {
        Assert.Equal("n1/3", new ShardKey("n1", 3).ToString());
        Assert.Equal(new ShardKey("n1", 3), ShardKey.Parse("n1/3"));
        Assert.Equal("n3/n1", new PeerKey("n3", "n1").ToString());
        Assert.Equal(new PeerKey("n3", "n1"), PeerKey.Parse("n3/n1"));
        Assert.Equal("n2/node", new NodeKey("n2").ToString());
        Assert.Equal("n4", new BootstrapKey("n4").ToString());
    }

    [Theory]
    [InlineData("n1")]
    [InlineData("n1/")]
    [InlineData("/3")]
    [InlineData("n1/x")]
    [InlineData("n1/-1")]
    public void AShardKeyOfAnotherForm_IsRefusedNamingIt(string key) =>
        Assert.Contains(key, Assert.Throws<FormatException>(() => ShardKey.Parse(key)).Message);

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    public void ANodeIdThatIsNoSafeName_NeverBecomesAKey(string node)
    {
        Assert.Throws<UnsafeNameException>(() => new ShardKey(node, 0).ToString());
        Assert.Throws<UnsafeNameException>(() => new PeerKey("n1", node).ToString());
    }
}
