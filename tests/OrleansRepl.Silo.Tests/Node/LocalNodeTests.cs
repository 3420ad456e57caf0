using System.Diagnostics;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Silo.Node;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Node;

/// <summary>The write fence of a node: what a newer topology takes away at once, what waits for the workers, and the lease every write needs.</summary>
public sealed class LocalNodeTests
{
    private static readonly LocalNode Node = new("n1", new NodeCredentials("c", "n1", ClusterSecret.FromBytes(new byte[32])), new StoreOptions(), "/nonexistent");

    [Fact]
    public async Task ANewerEpoch_FencesTheLostShardsAtOnce_AndAStaleOpeningCannotUndoIt()
    {
        var node = new LocalNode("n1", Node.Credentials, new StoreOptions(), "/nonexistent");
        var first = Topology(epoch: 1, "n1", "n1");
        Assert.True(node.Offer(first));
        node.SetWritable([0, 1], first);
        Assert.True(node.ApplyLease(new LeaseGrant(1, [0, 1], 60_000), Stopwatch.GetTimestamp()));
        Assert.True(node.TryBeginWrite(0));

        var promoted = Topology(epoch: 2, "n2", "n1");
        Assert.True(node.Offer(promoted));
        Assert.False(node.IsWritable(0)); // lost at once, before any worker reconciles
        Assert.True(node.IsWritable(1));
        node.SetWritable([0, 1], first); // a reconcile that read the old topology
        Assert.False(node.IsWritable(0));
        Assert.False(node.Offer(first)); // an older announcement is ignored

        // The write admitted before the fence is still running: a follower must wait for it.
        var drained = node.DrainWritesAsync(0, CancellationToken.None);
        await Assert.ThrowsAsync<TimeoutException>(() => drained.WaitAsync(TimeSpan.FromMilliseconds(50)));
        node.EndWrite(0);
        await drained.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void AShardThatIsNotWritable_AdmitsNoWrite()
    {
        var node = new LocalNode("n1", Node.Credentials, new StoreOptions(), "/nonexistent");
        Assert.False(node.TryBeginWrite(0)); // no topology yet
        var topology = Topology(epoch: 1, "n2");
        node.Offer(topology);
        node.SetWritable([0], topology);
        node.ApplyLease(new LeaseGrant(1, [0], 60_000), Stopwatch.GetTimestamp());
        Assert.False(node.TryBeginWrite(0)); // n2 leads it
        Assert.False(node.LeadsWithoutLease(0));
    }

    [Fact]
    public async Task ALeaderTakesWritesOnlyWhileItsLeaseHolds_CountedFromWhenItAsked()
    {
        var node = new LocalNode("n1", Node.Credentials, new StoreOptions(), "/nonexistent");
        var topology = Topology(epoch: 3, "n1", "n1");
        node.Offer(topology);
        node.SetWritable([0, 1], topology);
        Assert.False(node.TryBeginWrite(0)); // the leader, but no lease yet
        Assert.True(node.LeadsWithoutLease(0));

        Assert.False(node.ApplyLease(new LeaseGrant(2, [0, 1], 60_000), Stopwatch.GetTimestamp())); // granted under an older epoch: nothing
        Assert.False(node.IsWritable(0));

        Assert.True(node.ApplyLease(new LeaseGrant(3, [0, 1], 60_000), Stopwatch.GetTimestamp()));
        Assert.True(node.IsWritable(0));
        Assert.Equal([0, 1], node.LeasedShards());

        // A renewal that leaves shard 1 out (another node's lease on it has not lapsed) takes it away.
        Assert.True(node.ApplyLease(new LeaseGrant(3, [0], 60_000), Stopwatch.GetTimestamp()));
        Assert.True(node.IsWritable(0));
        Assert.False(node.IsWritable(1));
        Assert.True(node.LeadsWithoutLease(1));

        // Asked 2 s ago for a 1.5 s lease: lapsed already, though the answer came just now.
        Assert.True(node.ApplyLease(new LeaseGrant(3, [0, 1], 1_500), Stopwatch.GetTimestamp() - (2 * Stopwatch.Frequency)));
        Assert.False(node.TryBeginWrite(0));
        Assert.Empty(node.LeasedShards());

        // Asked now for 300 ms: held, then lapsed with no renewal.
        Assert.True(node.ApplyLease(new LeaseGrant(3, [0], 300), Stopwatch.GetTimestamp()));
        Assert.True(node.TryBeginWrite(0));
        node.EndWrite(0);
        await Poll.UntilAsync(() => !node.HoldsLease(0), TimeSpan.FromSeconds(5), "a 300 ms lease to lapse");

        Assert.False(node.TryBeginWrite(0));
    }

    private static ReplicaSetTopology Topology(long epoch, params string[] leaders) =>
        new("main", epoch, leaders.Length, [new TopologyNode("n1", "127.0.0.1:1"), new TopologyNode("n2", "127.0.0.1:2")], leaders, []);
}
