using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Grains.Tests.Topology;

/// <summary>The lease arithmetic on a clock the test moves: who is granted, when a lease lapses, what is given back.</summary>
public sealed class LeaseTableTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);

    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    [Fact]
    public void AShardIsGrantedToItsLeader_AndToNoOtherUntilTheLeaseAndItsDriftHavePassed()
    {
        var table = new LeaseTable();
        Assert.Equal([0, 1], table.Renew("a", ["a", "a"], At(0), Lease));
        Assert.Empty(table.Renew("b", ["a", "a"], At(1), Lease)); // not the leader

        // b now leads shard 1 (a per-shard promotion); a has not renewed since t=0.
        Assert.Empty(table.Renew("b", ["a", "b"], At(5.4), Lease)); // 5 s + a tenth for drift = 5.5 s
        Assert.Equal([1], table.Renew("b", ["a", "b"], At(5.5), Lease));
        Assert.Equal([0], table.Renew("a", ["a", "b"], At(5.6), Lease)); // a keeps shard 0, and cannot take 1 back

        var now = table.Snapshot(2, At(6));
        Assert.Equal(new ShardLease(0, "a", 5100), now[0]);
        Assert.Equal(new ShardLease(1, "b", 5000), now[1]);
    }

    [Fact]
    public void ALeaderThatRenewsUnderTheNewTopology_GivesBackWhatItNoLongerLeads()
    {
        var table = new LeaseTable();
        table.Renew("a", ["a", "a"], At(0), Lease);
        Assert.Empty(table.Renew("b", ["b", "b"], At(1), Lease));
        Assert.Empty(table.Renew("a", ["b", "b"], At(1.1), Lease)); // drained and renewed under the new epoch: released
        Assert.Equal([0, 1], table.Renew("b", ["b", "b"], At(1.2), Lease));
    }

    [Fact]
    public void AssumedLeases_HoldForTheirLeaderUntilTheyLapse()
    {
        var table = new LeaseTable();
        table.AssumeHeld(["a", "a"], At(7));
        Assert.Equal([0, 1], table.Renew("a", ["a", "a"], At(0.1), Lease)); // the assumed holder itself renews at once
        table.AssumeHeld(["a", "a"], At(7));
        Assert.Empty(table.Renew("b", ["b", "b"], At(6.9), Lease));
        Assert.Equal([0, 1], table.Renew("b", ["b", "b"], At(7), Lease));
        Assert.All(table.Snapshot(2, At(20)), l => Assert.Null(l.Holder)); // lapsed: held by none
    }

    [Fact]
    public void MoreShardsThanKnown_StartFree()
    {
        var table = new LeaseTable();
        Assert.Equal([0, 1, 2], table.Renew("a", ["a", "a", "a"], At(0), Lease));
        Assert.Equal(3, table.Snapshot(3, At(1)).Count(l => l.Holder == "a"));
    }
}
