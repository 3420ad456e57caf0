using System.Net;

namespace OrleansRepl.Placement.Tests;

/// <summary>The choice of silo for a replica set's grain: the node leading the fewest shards, then the placing silo, then by name.</summary>
public sealed class LeastLeadingSiloTests
{
    private static readonly SiloAddress A = Silo(1), B = Silo(2), C = Silo(3);
    private static readonly (SiloAddress, string)[] Silos = [(A, "a"), (B, "b"), (C, "c")];

    [Fact]
    public void TheSiloWhoseNodeLeadsFewest_IsChosen_ANodeNotNamedLeadingNone()
    {
        Assert.Equal(C, LeastLeadingSilo.Choose(Silos, new Dictionary<string, int> { ["a"] = 3, ["b"] = 1 }, preferred: A));
        Assert.Equal(B, LeastLeadingSilo.Choose(Silos, new Dictionary<string, int> { ["a"] = 3, ["b"] = 1, ["c"] = 2 }, preferred: A));
    }

    [Fact]
    public void ATie_GoesToThePlacingSilo_ThenToTheFirstNodeByName()
    {
        var aLeads = new Dictionary<string, int> { ["a"] = 4 };
        Assert.Equal(C, LeastLeadingSilo.Choose(Silos, aLeads, preferred: C));
        Assert.Equal(B, LeastLeadingSilo.Choose(Silos, aLeads, preferred: A));
        Assert.Equal(B, LeastLeadingSilo.Choose(Silos, aLeads, preferred: null));
        Assert.Equal(A, LeastLeadingSilo.Choose(Silos, null, preferred: A)); // nothing known: the placing silo
    }

    [Fact]
    public void NoSilo_IsRefused_Plainly()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LeastLeadingSilo.Choose([], null, A));
        Assert.Equal("no active silo to place a replica set grain on", e.Message);
    }

    private static SiloAddress Silo(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11_000 + port), 1);
}
