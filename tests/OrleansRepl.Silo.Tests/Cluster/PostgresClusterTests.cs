using System.Net;
using System.Text;
using OrleansRepl.Grains.Keys;
using static OrleansRepl.Silo.Tests.Cluster.TestRecords;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>Orleans silo processes on loopback, their membership and grain state in a real PostgreSQL (and, where marked, on the embedded SQLite default): replication end to end.</summary>
public sealed class PostgresClusterTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Promotion_MovesWritesToTheNewLeader_AndTheOldLeaderRejoinsRollingBackItsUnreplicatedTail()
    {
        await using var cluster = new TestCluster(postgres.Server, "prom");
        for (var n = 1; n <= 3; n++)
        {
            await cluster.StartAsync(n);
            await cluster.AddAsync(n);
        }

        await cluster.Client.LoadAsync(Records("before-", 10_000));
        await cluster.ConvergedAsync(1, 2, 3);
        await cluster.SetPausedAsync(2, paused: true);
        await cluster.Client.PutAsync("tail", Encoding.UTF8.GetBytes("only on the old leader"));
        Assert.NotNull(await cluster.Client.GetAsync("tail", cluster.Node(1)));

        var topology = await cluster.Client.ReplicaSetGrain.PromoteAsync(cluster.Node(2));
        Assert.Equal(2, topology.Epoch);
        await cluster.SetPausedAsync(2, paused: false);
        await cluster.Client.LoadAsync(Records("after-", 1_000));
        await cluster.ConvergedAsync(2, 1, 3);

        Assert.Null(await cluster.Client.GetAsync("tail", cluster.Node(1))); // rolled back by syncup
        Assert.Null(await cluster.Client.GetAsync("tail", cluster.Node(3)));
        Assert.Equal("after-999 value", Text(await cluster.Client.GetAsync("after-999", cluster.Node(1))));
        var oldLeader = await cluster.StatusAsync(1);
        Assert.All(oldLeader.Shards, s => Assert.Equal(("follower", false), (s.Role, s.Writable)));

        // The old leader refuses writes now, naming the new one.
        var gateway = cluster.Api(1);
        using var refused = await cluster.Http.PutAsync(new Uri(gateway, "kv/after-1"), new ByteArrayContent("stale"u8.ToArray()));
        Assert.Equal(HttpStatusCode.MisdirectedRequest, refused.StatusCode);
        Assert.Contains($"is {cluster.Node(2)}", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AntiEntropy_RepairsAPausedFollower_AndItsPeerGrainCountsTheSegments()
    {
        await using var cluster = new TestCluster(postgres.Server, "ae", segmentRollBytes: 64 << 10);
        for (var n = 1; n <= 2; n++)
        {
            await cluster.StartAsync(n);
            await cluster.AddAsync(n);
        }

        await cluster.Client.LoadAsync(Records("first-", 2_000));
        await cluster.ConvergedAsync(1, 2);
        await cluster.SetPausedAsync(2, paused: true);

        // Counted from before the load: a periodic cycle may repair the gap before the sync-now does, and either counts.
        var peer = cluster.Client.Grains.Peer(cluster.Node(2), cluster.Node(1));
        var before = (await peer.GetStatusAsync()).SegmentsAppliedTotal;
        await cluster.Client.LoadAsync(Records("missed-", 5_000));
        Assert.Null(await cluster.Client.GetAsync("missed-0", cluster.Node(2)));
        Assert.NotEqual((await cluster.StatusAsync(1)).SegmentRoot, (await cluster.StatusAsync(2)).SegmentRoot);
        await peer.SyncNowAsync();
        await TestCluster.WaitAsync("the sealed segments to match", async () => (await cluster.StatusAsync(1)).SegmentRoot == (await cluster.StatusAsync(2)).SegmentRoot);

        Assert.True((await peer.GetStatusAsync()).SegmentsAppliedTotal > before, "the PeerGrain counted no applied segment");
        Assert.Equal("missed-0 value", Text(await cluster.Client.GetAsync("missed-0", cluster.Node(2)))); // still paused: anti-entropy brought it
        await cluster.SetPausedAsync(2, paused: false);
        await cluster.ConvergedAsync(1, 2);

        // A graceful stop saves every cursor exactly where its shard's log ends.
        var leader = await cluster.StatusAsync(1);
        Assert.True(await cluster.StopAsync(2), "the silo did not stop within 30 s of SIGTERM");
        for (var shard = 0; shard < leader.ShardCount; shard++)
        {
            Assert.Equal(leader.Shards[shard].NextLsn - 1, (await cluster.StoredShardStateAsync(2, shard))?.Cursor?.LastAppliedLsn);
        }
    }

    [Fact]
    public async Task AnOldLeaderWhoseTailWasSealed_NeedsARestore_AndIsBootstrappedFromTheNewLeader()
    {
        // Segments roll every 4 KiB: the tail the old leader never replicated ends up in sealed segments,
        // which syncup cannot roll back. The node asks its BootstrapGrain for a restore and gets one.
        await using var cluster = new TestCluster(postgres.Server, "restore", segmentRollBytes: 4096);
        for (var n = 1; n <= 2; n++)
        {
            await cluster.StartAsync(n);
            await cluster.AddAsync(n);
        }

        await cluster.Client.LoadAsync(Records("shared-", 1_000));
        await cluster.ConvergedAsync(1, 2);
        await cluster.SetPausedAsync(2, paused: true);
        await cluster.Client.LoadAsync(Records("tail-", 1_000)); // only on n1, sealed there
        await cluster.Client.ReplicaSetGrain.PromoteAsync(cluster.Node(2));
        await cluster.SetPausedAsync(2, paused: false);

        var bootstrap = cluster.Client.Grains.Bootstrap(cluster.Node(1));
        await TestCluster.WaitAsync("restore1 to be restored", async () => (await bootstrap.GetStatusAsync()).State == "complete");
        Assert.Contains("needs a restore", (await bootstrap.GetStatusAsync()).Reason);
        await cluster.Client.PutAsync("after", Encoding.UTF8.GetBytes("on the new leader"));
        await cluster.ConvergedAsync(2, 1);
        Assert.Null(await cluster.Client.GetAsync("tail-0", cluster.Node(1)));
        Assert.NotNull(await cluster.Client.GetAsync("after", cluster.Node(1)));
        var aside = Assert.Single(Directory.GetDirectories(cluster.DataDirectory(1), "store.diverged-*")); // set aside, never deleted
        Assert.True(Directory.EnumerateFiles(aside, "*", SearchOption.AllDirectories).Any());
    }
}
