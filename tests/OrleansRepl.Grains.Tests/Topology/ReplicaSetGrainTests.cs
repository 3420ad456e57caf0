using Microsoft.Data.Sqlite;
using OrleansRepl.Grains.Topology;
using OrleansRepl.TestKit;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Tests.Topology;

/// <summary>The replica set's topology: members, leaders, peers, and the epoch that promotion raises.</summary>
public sealed class ReplicaSetGrainTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task TheFirstNodeLeadsEveryShard_LaterNodesFollow_AndEveryPairArePeers()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"]);
        var set = silo.Grains.ReplicaSet("main");
        Assert.Equal(0, (await set.GetTopologyAsync()).Epoch);

        await set.AddNodeAsync("n1", "127.0.0.1:7001", 4);
        await set.AddNodeAsync("n2", "127.0.0.1:7002", 4);
        var topology = await set.AddNodeAsync("n3", "127.0.0.1:7003", 4);

        Assert.Equal((1L, 4), (topology.Epoch, topology.ShardCount));
        Assert.Equal(["n1", "n1", "n1", "n1"], topology.Leaders);
        Assert.Equal(["n1", "n2"], topology.PeersOf("n3").Order());
        Assert.Equal(["n2", "n3"], topology.PeersOf("n1").Order());
        Assert.Equal(6, topology.Peers.Count);
        Assert.Equal("127.0.0.1:7002", topology.Node("n2")!.ReplicationAddress);

        Assert.Contains("n4 has 8 shards; replica set main has 4", (await Assert.ThrowsAsync<InvalidOperationException>(() => set.AddNodeAsync("n4", "127.0.0.1:7004", 8))).Message);
        Assert.Contains("n2 is already a member", (await Assert.ThrowsAsync<InvalidOperationException>(() => set.AddNodeAsync("n2", "127.0.0.1:7009", 4))).Message);
        Assert.Equal(topology, await set.GetTopologyAsync(), TopologyComparer.Instance); // refusals changed nothing
    }

    [Fact]
    public async Task PromotionRaisesTheEpoch_MovesEveryLeader_AndIsDurable()
    {
        await using (var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"]))
        {
            var set = silo.Grains.ReplicaSet("main");
            await set.AddNodeAsync("n1", "127.0.0.1:7001", 2);
            await set.AddNodeAsync("n2", "127.0.0.1:7002", 2);
            var promoted = await set.PromoteAsync("n2");
            Assert.Equal(2, promoted.Epoch);
            Assert.Equal(["n2", "n2"], promoted.Leaders);
            Assert.Contains("n9 is not a member", (await Assert.ThrowsAsync<InvalidOperationException>(() => set.PromoteAsync("n9"))).Message);
        }

        await using var again = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"]);
        var reloaded = await again.Grains.ReplicaSet("main").GetTopologyAsync();
        Assert.Equal(2, reloaded.Epoch);
        Assert.Equal(["n2", "n2"], reloaded.Leaders);
    }

    [Fact]
    public async Task AFailedStateWrite_LeavesTheTopologyAndItsEpochAsTheyWere()
    {
        var storage = new StorageFaults();
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"], storage);
        var set = silo.Grains.ReplicaSet("main");
        await set.AddNodeAsync("n1", "127.0.0.1:7001", 2);
        await set.AddNodeAsync("n2", "127.0.0.1:7002", 2);
        var before = await set.GetTopologyAsync();

        storage.FailWrites = true;
        await Assert.ThrowsAnyAsync<Exception>(() => set.PromoteAsync("n2"));
        await Assert.ThrowsAnyAsync<Exception>(() => set.AddNodeAsync("n3", "127.0.0.1:7003", 2));
        await Assert.ThrowsAnyAsync<Exception>(() => set.RemoveNodeAsync("n2"));
        Assert.Equal(before, await set.GetTopologyAsync(), TopologyComparer.Instance); // no unwritten epoch for a node to poll

        storage.FailWrites = false;
        Assert.Equal(2, (await set.PromoteAsync("n2")).Epoch);
    }

    [Fact]
    public async Task ALeaderCannotBeRemoved_AFollowerIsRemovedWithItsPeerLinks()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"]);
        var set = silo.Grains.ReplicaSet("main");
        await set.AddNodeAsync("n1", "127.0.0.1:7001", 2);
        await set.AddNodeAsync("n2", "127.0.0.1:7002", 2);

        Assert.Contains("n1 leads shards 0,1", (await Assert.ThrowsAsync<InvalidOperationException>(() => set.RemoveNodeAsync("n1"))).Message);
        var topology = await set.RemoveNodeAsync("n2");
        Assert.Equal(["n1"], topology.Nodes.Select(n => n.NodeId));
        Assert.Empty(topology.Peers);
        Assert.Equal(1, topology.Epoch);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    /// <summary>Topologies hold lists, so records compare them by reference; this compares their contents.</summary>
    private sealed class TopologyComparer : IEqualityComparer<ReplicaSetTopology>
    {
        public static readonly TopologyComparer Instance = new();

        public bool Equals(ReplicaSetTopology? x, ReplicaSetTopology? y) =>
            x is not null && y is not null && x.Epoch == y.Epoch && x.ShardCount == y.ShardCount
            && x.Nodes.SequenceEqual(y.Nodes) && x.Leaders.SequenceEqual(y.Leaders) && x.Peers.SequenceEqual(y.Peers);

        public int GetHashCode(ReplicaSetTopology obj) => obj.Epoch.GetHashCode();
    }
}
