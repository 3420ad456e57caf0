using System.Diagnostics;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Topology;
using OrleansRepl.TestKit;

namespace OrleansRepl.Grains.Tests.Topology;

/// <summary>
/// Failover by the replica set grain: a leader that stops renewing is replaced, per shard, by the live member that
/// holds the most, under a new epoch, and the change is kept; a promotion that would lose an acknowledged write is
/// refused unless forced, and may move only some shards.
/// </summary>
public sealed class ReplicaSetGrainFailoverTests : IDisposable
{
    private const int Lease = 1_000;
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task ALeaderThatStopsRenewing_IsReplacedPerShardByTheLiveMemberHoldingTheMost()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"]);
        var set = silo.Grains.ReplicaSet("main");
        foreach (var node in (string[])["n1", "n2", "n3"])
        {
            await set.AddNodeAsync(node, $"127.0.0.1:700{node[1]}", 2);
        }

        await set.SetLeaseAsync(Lease);
        await set.RenewLeaseAsync("n1", 1, new NodeReport([500, 400], [480, 0]));

        // n2 and n3 keep renewing; n1 stops.
        var stopped = Stopwatch.StartNew();
        ReplicaSetTopology topology;
        do
        {
            await set.RenewLeaseAsync("n2", 1, new NodeReport([490, 400], [0, 0]));
            await set.RenewLeaseAsync("n3", 1, new NodeReport([485, 401], [0, 0]));
            await Task.Delay(200);
            topology = await set.GetTopologyAsync();
        }
        while (topology.Epoch == 1 && stopped.Elapsed < TimeSpan.FromSeconds(20));

        Assert.Equal(2, topology.Epoch);
        Assert.Equal(["n2", "n3"], topology.Leaders); // each shard to the member holding the most of it
        Assert.InRange(stopped.Elapsed, TimeSpan.FromMilliseconds(Lease), TimeSpan.FromMilliseconds(Lease * 11 / 10 + 2_000));

        var change = await set.GetLastChangeAsync();
        Assert.NotNull(change);
        Assert.True(change.Automatic);
        Assert.Equal(2, change.Epoch);
        Assert.Contains("failover: no lease renewal from n1", change.Reason);
        Assert.Equal([new LeaderMove(0, "n1", "n2", 500, 490), new LeaderMove(1, "n1", "n3", 400, 401)], change.Moves);

        // The new leaders get their leases at once: n1's has lapsed.
        Assert.Equal(new[] { 0 }, (await set.RenewLeaseAsync("n2", 2, new NodeReport([490, 401], [0, 0]))).Shards);
        Assert.Equal(new[] { 1 }, (await set.RenewLeaseAsync("n3", 2, new NodeReport([490, 401], [0, 0]))).Shards);
    }

    [Fact]
    public async Task APromotionThatWouldLoseAnAcknowledgedWrite_IsRefusedUnlessForced_AndMayMoveSomeShards()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"]);
        var set = silo.Grains.ReplicaSet("main");
        await set.AddNodeAsync("n1", "127.0.0.1:7001", 3);
        await set.AddNodeAsync("n2", "127.0.0.1:7002", 3);
        await set.RenewLeaseAsync("n1", 1, new NodeReport([100, 100, 100], [100, 0, 0]));
        await set.RenewLeaseAsync("n2", 1, new NodeReport([90, 100, 100], [0, 0, 0]));

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => set.PromoteAsync("n2"));
        Assert.Contains("promoting n2 in replica set main would lose acknowledged writes: shard 0 has acknowledged writes through LSN 100, and n2 holds through LSN 90", refused.Message);
        Assert.Equal(1, (await set.GetTopologyAsync()).Epoch);

        // Shards 1 and 2 had none: they may move alone.
        var some = await set.PromoteAsync("n2", [1, 2]);
        Assert.Equal(2, some.Epoch);
        Assert.Equal(["n1", "n2", "n2"], some.Leaders);
        Assert.Equal([1, 2], (await set.GetLastChangeAsync())!.Moves.Select(m => m.Shard));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => set.PromoteAsync("n2", [3]));

        var forced = await set.PromoteAsync("n2", [0], force: true);
        Assert.Equal(["n2", "n2", "n2"], forced.Leaders);
        var change = await set.GetLastChangeAsync();
        Assert.True(change!.Forced);
        Assert.False(change.Automatic);
        Assert.Equal(10, change.Moves.Single().Unreplicated);
    }

    [Fact]
    public async Task APromotion_JudgesByWhatTheNodeHoldsNow_WhenItsLastReportIsShortOfTheAcknowledgedWrites()
    {
        // n2's last report (with its renewal) is behind; it has caught up since, as right after an orepl wait.
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1", "n2"]);
        var set = silo.Grains.ReplicaSet("main");
        await set.AddNodeAsync("n1", "127.0.0.1:7001", 3);
        await set.AddNodeAsync("n2", "127.0.0.1:7002", 3);
        await set.RenewLeaseAsync("n1", 1, new NodeReport([100, 100, 100], [100, 0, 0]));
        await set.RenewLeaseAsync("n2", 1, new NodeReport([90, 100, 100], [0, 0, 0]));
        var workers = new HoldingWorkers("n2", [95, 100, 100]);
        await silo.Grains.Node("n2").AttachAsync(silo.Grains.CreateObjectReference<INodeWorkers>(workers));

        // Asked, it holds more than it reported, but still not every acknowledged write: refused, naming what it holds now.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => set.PromoteAsync("n2"));
        Assert.Contains("shard 0 has acknowledged writes through LSN 100, and n2 holds through LSN 95", refused.Message);
        Assert.Equal(1, (await set.GetTopologyAsync()).Epoch);

        workers.Holds = [100, 100, 100];
        var promoted = await set.PromoteAsync("n2");
        Assert.Equal(["n2", "n2", "n2"], promoted.Leaders);
        var change = await set.GetLastChangeAsync();
        Assert.False(change!.Forced);
        Assert.Equal(new LeaderMove(0, "n1", "n2", 100, 100), change.Moves[0]);
    }

    [Fact]
    public async Task WhileStorageCannotBeRead_NoLeaseIsGranted_ButNoLiveLeaderIsFailedOver()
    {
        var storage = new StorageFaults();
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"], storage);
        var set = silo.Grains.ReplicaSet("main");
        await set.AddNodeAsync("n1", "127.0.0.1:7001", 2);
        await set.AddNodeAsync("n2", "127.0.0.1:7002", 2);
        await set.SetLeaseAsync(Lease);
        Assert.Equal(new[] { 0, 1 }, (await set.RenewLeaseAsync("n1", 1, new NodeReport([5, 5], [0, 0]))).Shards);

        storage.FailReads = true;

        // Both nodes renew every 200 ms, as their renewers do, without waiting for the last answer: a failure that is
        // slow to come back (the first exception's round trip, on a loaded machine) does not make n1 look silent.
        var renewals = new List<Task>();
        var failing = Stopwatch.StartNew();
        while (failing.Elapsed < TimeSpan.FromMilliseconds(Lease * 2.5))
        {
            renewals.Add(set.RenewLeaseAsync("n1", 1, new NodeReport([5, 5], [0, 0])));
            renewals.Add(set.RenewLeaseAsync("n2", 1, new NodeReport([5, 5], [0, 0])));
            await Task.Delay(200);
        }

        foreach (var renewal in renewals)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => renewal); // every one failed, and each was heard
        }

        // Storage answers again; n2 is heard first. Had n1's failed renewals not counted, it would be failed over now.
        storage.FailReads = false;
        await set.RenewLeaseAsync("n2", 1, new NodeReport([5, 5], [0, 0]));
        await Task.Delay(300);
        var topology = await set.GetTopologyAsync();
        Assert.True(topology.Epoch == 1, $"n1 kept renewing, yet epoch {topology.Epoch} has leaders {string.Join(", ", topology.Leaders)}. The silo logged:{Environment.NewLine}{silo.Log.Tail()}");
        Assert.Equal(["n1", "n1"], topology.Leaders);
        Assert.Equal(new[] { 0, 1 }, (await set.RenewLeaseAsync("n1", 1, new NodeReport([5, 5], [0, 0]))).Shards);
    }

    /// <summary>A node's workers that answer a status holding <see cref="Holds"/> (the last LSN of each shard).</summary>
    private sealed class HoldingWorkers(string node, long[] holds) : INodeWorkers
    {
        public long[] Holds { get; set; } = holds;

        public Task<NodeStatus> GetStatusAsync() => Task.FromResult(new NodeStatus(node, "127.0.0.1:7002", null, Holds.Length, 1, "root", "root",
            [.. Holds.Select((lsn, shard) => new NodeShard(shard, "follower", lsn + 1, Writable: false, Following: true))], "serving"));

        public Task TopologyChangedAsync(ReplicaSetTopology topology) => Task.CompletedTask;

        public Task<bool> SyncNowAsync(string peer) => Task.FromResult(false);

        public Task DirectivesChangedAsync() => Task.CompletedTask;
    }

    public void Dispose() => _directory.Dispose();
}
