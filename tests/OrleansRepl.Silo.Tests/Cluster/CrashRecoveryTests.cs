using System.Globalization;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Grains.Keys;
using OrleansRepl.TestKit;
using static OrleansRepl.Silo.Tests.Cluster.TestRecords;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// Silo processes killed (SIGKILL) mid-stream and mid-snapshot, on PostgreSQL and on the embedded SQLite default:
/// each resumes from what its grains recorded. A class of its own so that it runs beside the other cluster tests.
/// </summary>
public sealed class CrashRecoveryTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    // Each crash test runs on one storage, the two between them: the embedded default here, where a node's own grains
    // keep their state in its grains.db; PostgreSQL for the bootstrap below. (Both providers' state round trips are
    // tested in OrleansRepl.Persistence.Tests; a silo process costs the suite too much to run each crash twice.)
    [Theory]
    [InlineData("sqlite")]
    public async Task ThreeSilos_Load120k_FollowersMatch_AndAFollowerKilledMidStreamResumesFromItsShardGrainCursor(string storage)
    {
        await using var cluster = new TestCluster(storage == "postgres" ? postgres.Server : null, $"load{storage[0]}");
        for (var n = 1; n <= 3; n++)
        {
            await cluster.StartAsync(n);
            await cluster.AddAsync(n);
        }

        var loading = cluster.Client.LoadAsync(Records("load-", 120_000));
        // Followers save their cursor every 10,000 records of a shard, beside the stream: past 60,000 in all (4 shards),
        // every shard has asked for one, and the kill waits until shard 0's is stored (under load, the save was seen
        // to land after the 60,000th record).
        await TestCluster.WaitAsync("load3 to apply 60,000 records and its ShardGrain to store shard 0's cursor", async () =>
            (await cluster.StatusAsync(3)).Shards.Sum(s => s.NextLsn - 1) >= 60_000 && (await cluster.StoredShardStateAsync(3, 0))?.Cursor?.LastAppliedLsn > 0);
        await cluster.KillAsync(3); // SIGKILL mid-stream
        var persisted = await cluster.StoredShardStateAsync(3, 0);
        Assert.True(persisted?.Cursor?.LastAppliedLsn > 0, $"the ShardGrain kept no cursor for {cluster.Node(3)}/0 before the kill");

        await cluster.StartAsync(3);
        Assert.Equal(120_000, await loading);
        await cluster.ConvergedAsync(1, 2, 3);

        // A silo leaving (and coming back) restarts no replication elsewhere: node 2 started each shard's follower once.
        Assert.Equal(4, File.ReadLines(cluster.Log(2)).Count(l => l.Contains($"node {cluster.Node(2)} follows shard", StringComparison.Ordinal)));

        var leader = await cluster.StatusAsync(1);
        for (var shard = 0; shard < leader.ShardCount; shard++)
        {
            var status = await cluster.Shard(3, shard).GetStatusAsync();
            Assert.Equal(leader.Shards[shard].NextLsn, (await cluster.StatusAsync(3)).Shards[shard].NextLsn);
            Assert.True(status.AppliedTotal <= leader.Shards[shard].NextLsn - 1, $"shard {shard}: {status.AppliedTotal} applied for {leader.Shards[shard].NextLsn - 1} records: some applied twice");
        }

        // The cursor was carried over the crash: counting went on from it rather than from zero.
        Assert.True((await cluster.Shard(3, 0).GetStatusAsync()).AppliedTotal >= persisted!.Cursor!.AppliedTotal);
        Assert.Equal("load-119999 value", Text(await cluster.Client.GetAsync("load-119999", cluster.Node(3))));
        Assert.Equal(storage == "sqlite", File.Exists(Path.Combine(cluster.DataDirectory(3), "grains.db"))); // a node's own grain state: its own file on the embedded default
    }

    [Theory]
    [InlineData("postgres")]
    public async Task ABootstrapTargetKilledMidSnapshot_ResumesFromTheBootstrapGrainsCheckpoint(string storage)
    {
        // The source is reached through a proxy that holds the transfer after 8 MiB, so the target is certainly killed
        // mid-snapshot, once a checkpoint (one every MiB, written beside the transfer) is durable in its grain's state.
        await using var cluster = new TestCluster(storage == "postgres" ? postgres.Server : null, $"boot{storage[0]}", settings: new Dictionary<string, string> { ["Replication:Bootstrap:CheckpointEvery"] = "1048576" });
        await cluster.StartAsync(1);
        await using var proxy = new FaultProxy(cluster.ReplicationEndPoint(1)) { PauseAtByte = 8 << 20 };
        proxy.Start();
        await cluster.AddAsync(1, address: proxy.EndPoint.ToString());
        await cluster.Client.LoadAsync(Records("boot-", 100_000, valueBytes: 200)); // a snapshot of ~25 MB
        await cluster.StartAsync(2);
        var bootstrap = cluster.Client.Grains.Bootstrap(cluster.Node(2));
        await bootstrap.StartAsync(cluster.Node(1), "test");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        BootstrapCheckpoint? checkpoint = null;
        while ((checkpoint = (await cluster.StoredBootstrapStateAsync(2))?.Intents.SingleOrDefault(i => i.Ended is null)?.LastCheckpoint) is null)
        {
            Assert.True(watch.Elapsed < TestCluster.Patience, "no snapshot checkpoint was recorded");
            await Task.Delay(20);
        }

        await cluster.KillAsync(2); // its grain is down with it: the checkpoint was read from the stored state
        Assert.True(checkpoint.SnapshotOffset > 0, $"the checkpoint is at offset {checkpoint.SnapshotOffset}");
        var received = Path.Combine(cluster.DataDirectory(2), "store.bootstrap", "recv");
        Assert.True(Directory.GetDirectories(received, "*.partial").Any(d => Directory.GetFiles(d, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) >= checkpoint.SnapshotOffset), "the staging store holds fewer bytes than its checkpoint");
        proxy.Resume();
        await cluster.StartAsync(2);
        bootstrap = cluster.Client.Grains.Bootstrap(cluster.Node(2)); // through the client connected anew
        await TestCluster.WaitAsync("the bootstrap to end", async () => (await bootstrap.GetStatusAsync()).State is not ("requested" or "running"));

        var done = await bootstrap.GetStatusAsync();
        Assert.True(done.State == "complete", $"{done.State}: {done.Error}");
        var resumedFrom = long.Parse(done.Summary!.Split("resumed from ")[1].Split(',')[0], CultureInfo.InvariantCulture);
        Assert.True(resumedFrom >= checkpoint!.SnapshotOffset, $"resumed from {resumedFrom}, the checkpoint was at {checkpoint.SnapshotOffset}: {done.Summary}");
        Assert.Contains($"root {(await cluster.StatusAsync(2)).StoreRoot}", done.Summary); // the store is the verified snapshot
        await cluster.AddAsync(2);
        await cluster.ConvergedAsync(1, 2); // and it follows on from the snapshot's LSNs
    }
}
