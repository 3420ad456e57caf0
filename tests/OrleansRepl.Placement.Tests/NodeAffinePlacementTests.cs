using System.Diagnostics;

namespace OrleansRepl.Placement.Tests;

/// <summary>Node-affine placement on real Orleans 10.4.2 silos named n1, n2, n3.</summary>
public sealed class NodeAffinePlacementTests
{
    [Fact]
    public async Task AGrainRunsOnTheSiloOfTheNodeItsKeyNames_WhicheverSiloIsAsked()
    {
        await using var silos = new NamedSilos();
        await silos.StartAsync("n1", "n2");
        Assert.Equal("n2", await silos.Grains("n1").GetGrain<IWhereGrain>("n2/shard-0").SiloAsync());
        Assert.Equal("n1", await silos.Grains("n1").GetGrain<IWhereGrain>("n1/shard-0").SiloAsync());
        Assert.Equal("n1", await silos.Grains("n2").GetGrain<IWhereGrain>("n1/peer-n2").SiloAsync());
        Assert.Equal("n2", await silos.Grains("n1").GetGrain<IWhereGrain>("n2").SiloAsync()); // a key that is the node alone
    }

    [Fact]
    public async Task ANodeWithNoSilo_FailsFastNamingTheNode_AndItsGrainIsNeverActivatedElsewhere()
    {
        await using var silos = new NamedSilos();
        await silos.StartAsync("n1", "n2");
        Assert.Equal("n2", await silos.Grains("n1").GetGrain<IWhereGrain>("n2/a").SiloAsync());
        await silos.StopAsync("n2");

        foreach (var key in new[] { "n2/a", "n2/b", "n3/c" })
        {
            var started = Stopwatch.GetTimestamp();
            var error = await Assert.ThrowsAnyAsync<Exception>(() => silos.Grains("n1").GetGrain<IWhereGrain>(key).SiloAsync());
            var node = key[..2];
            Assert.Contains($"node {node} has no active silo", error.ToString());
            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), $"the call for {key} took {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s to fail");
        }
    }

    [Fact]
    public async Task ASecondSiloForALiveNode_IsRefusedNamingTheSiloThatRunsIt_AndARestartAfterAStopIsNot()
    {
        await using var silos = new NamedSilos();
        await silos.StartAsync("n1");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => silos.StartSiloAsync("n1"));
        Assert.Contains("node n1 already runs as silo ", error.ToString());
        Assert.Equal("n1", await silos.Grains("n1").GetGrain<IWhereGrain>("n1/x").SiloAsync()); // the running one is untouched

        await silos.StopAsync("n1");
        using var restarted = await silos.StartSiloAsync("n1");
        await restarted.StopAsync();
    }

    [Fact]
    public async Task ASiloLeaving_LeavesTheGrainsOfTheOtherSilosActive()
    {
        await using var silos = new NamedSilos();
        await silos.StartAsync("n1", "n2", "n3");
        var grains = Enumerable.Range(0, 30).Select(i => silos.Grains("n1").GetGrain<IWhereGrain>($"{(i % 2 == 0 ? "n1" : "n3")}/{i}")).ToList();
        foreach (var grain in grains)
        {
            Assert.Equal(1, await grain.CountAsync());
        }

        await silos.StopAsync("n2");
        foreach (var grain in grains)
        {
            Assert.Equal(2, await grain.CountAsync()); // the same activation: nothing on n1 or n3 was restarted
        }
    }
}
