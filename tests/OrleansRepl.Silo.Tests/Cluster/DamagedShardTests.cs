using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Keys;
using static OrleansRepl.Silo.Tests.Cluster.TestRecords;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// A node whose store has a damaged shard stays up, says so, and restores the store from a replica through the
/// bootstrap path with the damaged store kept aside; a leader steps down first, so its lost LSNs are never reused.
/// </summary>
public sealed class DamagedShardTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task AFollowerWithADamagedShard_RestoresFromTheLeader_KeepingTheDamagedStoreAside()
    {
        await using var cluster = new TestCluster(postgres.Server, "dmgf");
        await StartAsync(cluster, 2);
        await cluster.Client.LoadAsync(Records("before-", 20_000));
        await cluster.ConvergedAsync(1, 2);

        Assert.True(await cluster.StopAsync(2));
        var (active, damaged) = FlipInTheMiddle(cluster, 2);
        await cluster.StartAsync(2);

        var bootstrap = cluster.Client.Grains.Bootstrap(cluster.Node(2));
        await TestCluster.WaitAsync("dmgf2 to be restored", async () => (await bootstrap.GetStatusAsync()).State == "complete");
        Assert.Contains("shard 0 is damaged", (await bootstrap.GetStatusAsync()).Reason);
        Assert.Contains($"{active} at byte", (await cluster.Shard(2, 0).GetStatusAsync()).LastError); // the shard said why
        Assert.Contains("shard 0 is damaged", OrleansRepl.Client.Cluster.ClusterStatusTable.Render(await cluster.Client.GetStatusAsync())); // and orepl status shows it

        await cluster.Client.LoadAsync(Records("after-", 1_000));
        await cluster.ConvergedAsync(1, 2);
        Assert.Equal("before-19999 value", Text(await cluster.Client.GetAsync("before-19999", cluster.Node(2))));
        Assert.Equal("after-999 value", Text(await cluster.Client.GetAsync("after-999", cluster.Node(2))));
        AssertKeptAside(cluster, 2, damaged);
    }

    [Fact]
    public async Task ALeaderWithADamagedShard_StepsDownToTheReplica_ThenRestoresFromIt()
    {
        await using var cluster = new TestCluster(postgres.Server, "dmgl");
        await StartAsync(cluster, 2);
        await cluster.Client.LoadAsync(Records("before-", 20_000));
        await cluster.ConvergedAsync(1, 2);

        Assert.True(await cluster.StopAsync(1));
        var (_, damaged) = FlipInTheMiddle(cluster, 1);
        await cluster.StartAsync(1);

        var bootstrap = cluster.Client.Grains.Bootstrap(cluster.Node(1));
        await TestCluster.WaitAsync("dmgl1 to be restored", async () => (await bootstrap.GetStatusAsync()).State == "complete");
        var topology = await cluster.Client.ReplicaSetGrain.GetTopologyAsync();
        Assert.Equal(2, topology.Epoch);
        Assert.All(topology.Leaders, leader => Assert.Equal(cluster.Node(2), leader));

        await cluster.Client.LoadAsync(Records("after-", 1_000)); // through the new leader
        await cluster.ConvergedAsync(2, 1);
        Assert.Equal("before-19999 value", Text(await cluster.Client.GetAsync("before-19999", cluster.Node(1))));
        Assert.Equal("after-999 value", Text(await cluster.Client.GetAsync("after-999", cluster.Node(1))));
        AssertKeptAside(cluster, 1, damaged);
    }

    private static async Task StartAsync(TestCluster cluster, int nodes)
    {
        for (var n = 1; n <= nodes; n++)
        {
            await cluster.StartAsync(n);
            await cluster.AddAsync(n);
        }
    }

    /// <summary>Flips two bytes in the middle of shard 0's active log of a stopped node; returns the file and its damaged bytes.</summary>
    private static (string Active, byte[] Damaged) FlipInTheMiddle(TestCluster cluster, int number)
    {
        var active = Path.Combine(cluster.DataDirectory(number), "store", "shard-000", "active.log");
        var bytes = File.ReadAllBytes(active);
        Assert.True(bytes.Length > 10_000, $"{active} holds only {bytes.Length} bytes");
        bytes[bytes.Length / 2] ^= 0x5A;
        bytes[(bytes.Length / 2) + 1] ^= 0xA5;
        File.WriteAllBytes(active, bytes);
        Assert.Throws<ShardDamagedException>(() => LogStore.Open(Path.Combine(cluster.DataDirectory(number), "store"), new StoreOptions { ShardCount = LogStore.StoredShardCount(Path.Combine(cluster.DataDirectory(number), "store"))!.Value }).DisposeAsync());
        return (active, bytes);
    }

    private static void AssertKeptAside(TestCluster cluster, int number, byte[] damaged)
    {
        var aside = Assert.Single(Directory.GetDirectories(cluster.DataDirectory(number), "store.damaged-*"));
        Assert.Equal(damaged, File.ReadAllBytes(Path.Combine(aside, "shard-000", "active.log")));
    }
}
