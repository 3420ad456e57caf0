using System.Diagnostics;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Topology;
using OrleansRepl.TestKit;

namespace OrleansRepl.Grains.Tests.Topology;

/// <summary>
/// The leaders' leases as the replica set grain grants them: to the leader only, never to two nodes for one shard,
/// given back by a leader that stepped down, assumed held by a new activation, and refused by a replaced one.
/// </summary>
public sealed class ReplicaSetGrainLeaseTests : IDisposable
{
    private const int Lease = 1_000;
    private static readonly TimeSpan Lapse = TimeSpan.FromMilliseconds(Lease + LeaseLength.Drift(TimeSpan.FromMilliseconds(Lease)).TotalMilliseconds + 100);
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task OnlyTheLeaderIsGranted_AndAPromotedNodeWaitsUntilTheOldLeaseIsGivenBackOrHasLapsed()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"]);
        var set = silo.Grains.ReplicaSet("main");
        await set.AddNodeAsync("n1", "127.0.0.1:7001", 2);
        await set.AddNodeAsync("n2", "127.0.0.1:7002", 2);
        Assert.Equal(Lease, (await set.SetLeaseAsync(Lease)).LeaseMilliseconds);

        Assert.Equal(new LeaseGrant(1, [0, 1], Lease), await set.RenewLeaseAsync("n1", 1), LeaseGrantComparer.Instance);
        Assert.Empty((await set.RenewLeaseAsync("n2", 1)).Shards); // a follower holds nothing
        Assert.Equal(LeaseGrant.None(1), await set.RenewLeaseAsync("n1", 0), LeaseGrantComparer.Instance); // behind the topology: nothing
        Assert.Empty((await set.RenewLeaseAsync("n9", 1)).Shards); // not a member

        // Promoted while n1 still holds both shards: n2 is refused until n1, at the new epoch, gives them back.
        await set.PromoteAsync("n2");
        Assert.Empty((await set.RenewLeaseAsync("n2", 2)).Shards);
        Assert.Equal(["n1", "n1"], (await set.GetLeasesAsync()).Select(l => l.Holder));
        Assert.Empty((await set.RenewLeaseAsync("n1", 2)).Shards);
        Assert.Equal(new[] { 0, 1 }, (await set.RenewLeaseAsync("n2", 2)).Shards);

        // Promoted back while n2 holds them and says nothing (cut off, say): n1 waits for the lease and its drift to pass.
        await set.PromoteAsync("n1");
        var promoted = Stopwatch.StartNew();
        var leases = await set.GetLeasesAsync();
        Assert.All(leases, l => Assert.Equal("n2", l.Holder));
        Assert.All(leases, l => Assert.InRange(l.RemainingMilliseconds, 1, Lease * 11 / 10));
        Assert.Empty((await set.RenewLeaseAsync("n1", 3)).Shards);
        await Task.Delay(Lapse);
        Assert.Equal(new[] { 0, 1 }, (await set.RenewLeaseAsync("n1", 3)).Shards);
        Assert.True(promoted.Elapsed >= TimeSpan.FromMilliseconds(Lease), $"granted after {promoted.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task ANewActivationCountsEveryLeaderAsHoldingAFullLease_AndAReplacedOneGrantsNothing()
    {
        var database = _directory.File("grains.db");
        await using var first = await GrainSilo.StartAsync(database, ["n1"]);
        var set = first.Grains.ReplicaSet("main");
        await set.AddNodeAsync("n1", "127.0.0.1:7001", 2);
        await set.AddNodeAsync("n2", "127.0.0.1:7002", 2);
        await set.SetLeaseAsync(Lease);
        Assert.Equal(new[] { 0, 1 }, (await set.RenewLeaseAsync("n1", 1)).Shards);

        // A second cluster on the same storage: a second activation of the same grain, as a partition can make.
        await using var second = await GrainSilo.StartAsync(database, ["n1"]);
        var other = second.Grains.ReplicaSet("main");
        var tookCharge = Stopwatch.StartNew();
        Assert.All(await other.GetLeasesAsync(), l => Assert.Equal("n1", l.Holder)); // it cannot know what the first granted: it assumes a full lease

        // The first finds the generation raised: it grants nothing more.
        var replaced = await Assert.ThrowsAsync<InvalidOperationException>(() => set.RenewLeaseAsync("n1", 1));
        Assert.Contains("was replaced by generation", replaced.Message);

        // The leader renews with the one in charge at once; a node promoted there waits out the assumed lease.
        Assert.Equal(new[] { 0, 1 }, (await other.RenewLeaseAsync("n1", 1)).Shards);
        await other.PromoteAsync("n2");
        Assert.Empty((await other.RenewLeaseAsync("n2", 2)).Shards);
        await Task.Delay(Lapse);
        Assert.Equal(new[] { 0, 1 }, (await other.RenewLeaseAsync("n2", 2)).Shards);
        Assert.True(tookCharge.Elapsed >= TimeSpan.FromMilliseconds(Lease));
    }

    [Fact]
    public async Task ALeaseLengthOutOfBounds_IsRefusedByName()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n1"]);
        var set = silo.Grains.ReplicaSet("main");
        var refused = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => set.SetLeaseAsync(100));
        Assert.Contains($"a lease must last {LeaseLength.MinMilliseconds}..{LeaseLength.MaxMilliseconds} ms", refused.Message);
        Assert.Equal(LeaseLength.DefaultMilliseconds, (await set.GetTopologyAsync()).LeaseMilliseconds);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Grants compared by value (their shard arrays by content).</summary>
    private sealed class LeaseGrantComparer : IEqualityComparer<LeaseGrant>
    {
        public static readonly LeaseGrantComparer Instance = new();

        public bool Equals(LeaseGrant? x, LeaseGrant? y) => x is not null && y is not null && x.Epoch == y.Epoch && x.Milliseconds == y.Milliseconds && x.Shards.SequenceEqual(y.Shards);

        public int GetHashCode(LeaseGrant obj) => obj.Epoch.GetHashCode();
    }
}
