using OrleansRepl.Grains.Keys;
using OrleansRepl.TestKit;

namespace OrleansRepl.Grains.Tests.Topology;

/// <summary>
/// Where the replica set grain lives, on three silos named after nodes a, b and c: never on a leader's silo while a
/// live node leading nothing has one, moving away each time a promotion makes its own node the leader, with its
/// state; but not while a member has gone silent.
/// </summary>
public sealed class ReplicaSetGrainPlacementTests : IDisposable
{
    private const int Lease = 2_000;
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task TheGrain_LeavesTheSiloOfEachNewLeader_ForALiveOneWhoseNodeLeadsNothing()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["a", "b", "c"]);
        var set = silo.Grains.ReplicaSet("main");
        var management = silo.Grains.GetGrain<IManagementGrain>(0);
        var hosts = new List<string>();
        async Task<string> HostAsync()
        {
            // Where it runs, by each silo's own list of activations: the grain directory's entry (GetActivationAddress)
            // was seen naming the silo a grain had left, long after it moved. During a move there may be two for a moment.
            var silos = (await management.GetDetailedHosts(onlyActive: true)).ToDictionary(h => h.SiloAddress, h => h.SiloName);
            for (var waited = 0; ; waited += 50)
            {
                var running = (await management.GetDetailedGrainStatistics())
                    .Where(a => a.GrainId.Equals(set.GetGrainId())).Select(a => silos.GetValueOrDefault(a.SiloAddress, a.SiloAddress.ToString())).Distinct().ToList();
                if (running.Count == 1)
                {
                    return running[0];
                }

                Assert.True(waited < 10_000, $"the replica set grain runs on {running.Count} silos ({string.Join(", ", running)}), 10 s on");
                await Task.Delay(50);
            }
        }

        async Task AwayFromAsync(string leader)
        {
            for (var waited = 0; await HostAsync() == leader; waited += 100)
            {
                if (waited >= 20_000)
                {
                    Assert.Fail($"the replica set grain is still on {leader}'s silo, which leads every shard, 20 s on; it was on {string.Join(", ", hosts)} after each change before. The silos logged:{Environment.NewLine}{silo.Log.Tail()}");
                }

                await Task.Delay(100);
            }
        }

        foreach (var node in (string[])["a", "b", "c"])
        {
            await set.AddNodeAsync(node, $"127.0.0.1:70{node[0] - 'a'}0", 2); // the first added leads every shard
        }

        await set.SetLeaseAsync(Lease);

        // The members renew, as their silos' lease keepers would: the grain hears from each.
        var renewing = new HashSet<string>(["a", "b", "c"]);
        using var stop = new CancellationTokenSource();
        var renewals = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var epoch = (await set.GetTopologyAsync()).Epoch;
                string[] nodes;
                lock (renewing)
                {
                    nodes = [.. renewing];
                }

                await Task.WhenAll(nodes.Select(node => set.RenewLeaseAsync(node, epoch)));

                await Task.Delay(Lease / 5);
            }
        });

        await AwayFromAsync("a");
        hosts.Add(await HostAsync());
        foreach (var leader in (string[])["b", "c", "a", "b"])
        {
            await set.PromoteAsync(leader);
            await AwayFromAsync(leader);
            hosts.Add(await HostAsync());
        }

        // A member falls silent (down, frozen or cut off): a move now could wait on its silo's share of the grain
        // directory, so when the grain's own node is promoted, it stays until it hears from every member again.
        var host = await HostAsync();
        var silent = new[] { "a", "b", "c" }.First(n => n != host);
        lock (renewing)
        {
            renewing.Remove(silent);
        }

        await Task.Delay(Lease * 2);
        await set.PromoteAsync(host);
        await Task.Delay(Lease * 2);
        Assert.Equal(host, await HostAsync());
        lock (renewing)
        {
            renewing.Add(silent);
        }

        await AwayFromAsync(host);
        await stop.CancelAsync();
        await renewals;

        var topology = await set.GetTopologyAsync(); // its state went with it
        Assert.Equal(6, topology.Epoch);
        Assert.Equal(new[] { host, host }, topology.Leaders);
        Assert.Equal(3, topology.Nodes.Count);
    }

    public void Dispose() => _directory.Dispose();
}
