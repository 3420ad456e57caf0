using System.Diagnostics;
using OrleansRepl.Core.Replication.Streaming;

namespace OrleansRepl.Core.Tests.Replication.Streaming;

/// <summary>Lag from a leader's commit to each follower's ack: every newly covered commit sampled once, per follower.</summary>
public sealed class ReplicationLagTests
{
    private static readonly long Ms = Stopwatch.Frequency / 1000;

    [Fact]
    public void AnAckSamplesEachCommitItNewlyCovers_OncePerFollower()
    {
        var lag = new ReplicationLag();
        var t0 = Stopwatch.GetTimestamp();
        lag.Committed(0, 10, t0);
        lag.Committed(0, 20, t0 + (5 * Ms));
        lag.Committed(0, 30, t0 + (10 * Ms));

        lag.Acknowledged(0, "b", 20, t0 + (7 * Ms)); // covers LSN 10 (7 ms) and 20 (2 ms)
        lag.Acknowledged(0, "b", 20, t0 + (9 * Ms)); // nothing new
        lag.Acknowledged(0, "b", 30, t0 + (14 * Ms)); // covers 30 (4 ms)
        lag.Acknowledged(0, "c", 30, t0 + (30 * Ms)); // covers all three: 30, 25, 20 ms

        var byNode = lag.Percentiles().ToDictionary(p => p.Node);
        Assert.Equal(3, byNode["b"].Samples);
        Assert.Equal(4, byNode["b"].P50, 3);
        Assert.Equal(7, byNode["b"].P99, 3);
        Assert.Equal(3, byNode["c"].Samples);
        Assert.Equal(25, byNode["c"].P50, 3);
        Assert.Equal(30, byNode["c"].P99, 3);
    }

    [Fact]
    public void ShardsAreSeparate_AndAnAckBehindAnEarlierOneStartsCountingAgain()
    {
        var lag = new ReplicationLag();
        var t0 = Stopwatch.GetTimestamp();
        lag.Committed(0, 100, t0);
        lag.Committed(1, 5, t0);
        lag.Acknowledged(1, "b", 5, t0 + (3 * Ms));
        Assert.Equal((1, 3.0), lag.Percentiles().Select(p => (p.Samples, p.P50)).Single());

        lag.Acknowledged(0, "b", 50, t0 + (4 * Ms)); // commit 100 is not covered yet
        Assert.Equal(1, lag.Percentiles().Single().Samples);
        lag.Acknowledged(0, "b", 40, t0 + (5 * Ms)); // a rolled-back log: from here on
        lag.Committed(0, 45, t0 + (6 * Ms)); // behind the last commit noted: ignored
        lag.Acknowledged(0, "b", 100, t0 + (8 * Ms));
        Assert.Equal(2, lag.Percentiles().Single().Samples);
    }

    [Fact]
    public void ThePercentileIsTheNearestRank()
    {
        double[] sorted = [.. Enumerable.Range(1, 100).Select(i => (double)i)];
        Assert.Equal(50, ReplicationLag.Percentile(sorted, 0.50));
        Assert.Equal(99, ReplicationLag.Percentile(sorted, 0.99));
        Assert.Equal(7, ReplicationLag.Percentile([7], 0.99));
    }
}
