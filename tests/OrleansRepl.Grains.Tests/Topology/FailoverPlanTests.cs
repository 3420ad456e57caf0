using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Grains.Tests.Topology;

/// <summary>Which shards fail over, to whom, and which wait: on a clock the test moves.</summary>
public sealed class FailoverPlanTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);

    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    private static ReplicaSetState Set(params string[] leaders) => new()
    {
        Epoch = 4,
        ShardCount = leaders.Length,
        Leaders = [.. leaders],
        Nodes = [new TopologyNode("a", "h:1"), new TopologyNode("b", "h:2"), new TopologyNode("c", "h:3")],
    };

    [Fact]
    public void ASilentLeadersShards_GoToTheLiveMemberHoldingTheMostOfEach()
    {
        var (reports, leases) = (new MemberReports(), new LeaseTable());
        reports.Reset(At(0));
        var set = Set("a", "a", "b");
        leases.Renew("a", set.Leaders, At(0), Lease);
        reports.Record("a", new NodeReport([100, 200, 50], [90, 0, 0]), At(0));
        leases.Renew("b", set.Leaders, At(0), Lease);

        // Not yet: a's lease (5 s and a tenth) has not lapsed.
        reports.Record("b", new NodeReport([95, 150, 60], [0, 0, 0]), At(5));
        reports.Record("c", new NodeReport([99, 180, 60], [0, 0, 0]), At(5));
        leases.Renew("b", set.Leaders, At(5), Lease);
        Assert.Empty(FailoverPlan.For(set, reports, leases, At(5.4), Lease).Moves);

        var plan = FailoverPlan.For(set, reports, leases, At(5.6), Lease);
        Assert.Equal([new LeaderMove(0, "a", "c", 100, 99), new LeaderMove(1, "a", "c", 200, 180)], plan.Moves);
        Assert.Empty(plan.Stuck);
        Assert.Equal(1, plan.Moves[0].Unreplicated);
    }

    [Fact]
    public void AShardIsNotMovedToAMemberLackingAnAcknowledgedWrite_NorToASilentOne()
    {
        var (reports, leases) = (new MemberReports(), new LeaseTable());
        reports.Reset(At(0));
        var set = Set("a", "a");
        reports.Record("a", new NodeReport([100, 100], [100, 0]), At(0));
        reports.Record("b", new NodeReport([99, 99], [0, 0]), At(6)); // lacks shard 0's acknowledged LSN 100
        reports.Record("c", new NodeReport([100, 100], [0, 0]), At(0)); // holds it, but silent since t=0

        var plan = FailoverPlan.For(set, reports, leases, At(6), Lease);
        Assert.Equal([new LeaderMove(1, "a", "b", 100, 99)], plan.Moves); // shard 1 had no acknowledged write
        Assert.Contains("shard 0: its leader a has been silent 6.0 s; the most advanced live member, b, holds LSN 99, but writes through LSN 100 were acknowledged", Assert.Single(plan.Stuck));

        // c speaks again: it holds them, and takes shard 0.
        reports.Record("c", new NodeReport([100, 100], [0, 0]), At(6.1));
        Assert.Equal("c", FailoverPlan.For(set, reports, leases, At(6.2), Lease).Moves.Single(m => m.Shard == 0).To);
    }

    [Fact]
    public void AfterTheGrainStalled_EveryMemberGetsAFullLeaseToReportAgain()
    {
        var (reports, leases) = (new MemberReports(), new LeaseTable());
        reports.Reset(At(0));
        var set = Set("a", "a");
        reports.Record("a", new NodeReport([10, 10], [0, 0]), At(0));
        reports.Record("b", new NodeReport([10, 10], [0, 0]), At(0));
        reports.Pardon(At(8)); // the grain did not run from t=0 to t=8: a's silence was its own
        Assert.Empty(FailoverPlan.For(set, reports, leases, At(8.1), Lease).Moves);
        Assert.Equal(new NodeReport([10, 10], [0, 0]), reports.Of("a"), (x, y) => x!.Lsns.SequenceEqual(y!.Lsns)); // what they reported is kept

        reports.Record("b", new NodeReport([10, 10], [0, 0]), At(13));
        Assert.Equal(["b", "b"], FailoverPlan.For(set, reports, leases, At(13.6), Lease).Moves.Select(m => m.To)); // a stayed silent a lease more
    }

    [Fact]
    public void ANewActivationGivesEveryMemberAFullLeaseToReport_AndAnUnreportedMemberIsNoCandidate()
    {
        var (reports, leases) = (new MemberReports(), new LeaseTable());
        reports.Reset(At(10));
        var set = Set("a", "a");
        leases.AssumeHeld(set.Leaders, At(15.5));
        Assert.Empty(FailoverPlan.For(set, reports, leases, At(15.4), Lease).Moves);

        var plan = FailoverPlan.For(set, reports, leases, At(15.6), Lease);
        Assert.Empty(plan.Moves);
        Assert.Contains("no live member has reported holding the shard", plan.Stuck[0]);
    }
}
