using OrleansRepl.Grains.Keys;
using OrleansRepl.TestKit;

namespace OrleansRepl.Grains.Tests.Topology;

/// <summary>
/// Where the replica set grain lives, on three silos named after nodes a, b and c: never on a leader's silo while a
/// node leading nothing has one, moving away each time a promotion makes its own node the leader, with its state.
/// </summary>
public sealed class ReplicaSetGrainPlacementTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task TheGrain_LeavesTheSiloOfEachNewLeader_ForOneWhoseNodeLeadsNothing()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["a", "b", "c"]);
        var set = silo.Grains.ReplicaSet("main");
        var management = silo.Grains.GetGrain<IManagementGrain>(0);
        async Task<string> HostAsync()
        {
            var address = await management.GetActivationAddress(set);
            return (await management.GetDetailedHosts(onlyActive: true)).Single(h => h.SiloAddress.Equals(address)).SiloName;
        }

        var hosts = new List<string>();
        async Task AwayFromAsync(string leader)
        {
            for (var waited = 0; await HostAsync() == leader; waited += 100)
            {
                Assert.True(waited < 10_000, $"the replica set grain is still on {leader}'s silo, which leads every shard, 10 s on; it was on {string.Join(", ", hosts)} after each change before");
                await Task.Delay(100);
            }
        }

        foreach (var node in (string[])["a", "b", "c"])
        {
            await set.AddNodeAsync(node, $"127.0.0.1:70{node[0] - 'a'}0", 2); // the first added leads every shard
        }

        await AwayFromAsync("a");
        hosts.Add(await HostAsync());
        foreach (var leader in (string[])["b", "c", "a", "b"])
        {
            await set.PromoteAsync(leader);
            await AwayFromAsync(leader);
            hosts.Add(await HostAsync());
        }

        Assert.True(hosts.Distinct().Count() > 1, $"the grain never moved: {string.Join(", ", hosts)}");
        var topology = await set.GetTopologyAsync(); // its state went with it
        Assert.Equal(5, topology.Epoch);
        Assert.Equal(new[] { "b", "b" }, topology.Leaders);
        Assert.Equal(3, topology.Nodes.Count);
    }

    public void Dispose() => _directory.Dispose();
}
