using System.Globalization;
using Xunit.Abstractions;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// The replica set grain's own silo, a follower's, SIGKILLed under a load of writes: once Orleans declares that silo
/// dead, the next renewal places the grain again on a live silo at once (no directory lease holds it back), and the
/// leader renews there, so writes pause for the silo's death to be noticed, not for tens of seconds. A class of its
/// own, so it runs beside the other cluster tests.
/// </summary>
public sealed class GrainSiloKillTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Lease = 2_000;

    [Fact]
    public async Task TheReplicaSetGrainsSiloKilled_TheGrainIsPlacedAgainAtOnce_AndTheLeaderKeepsItsShards()
    {
        await using var cluster = new TestCluster(postgres.Server, "gkill");
        await cluster.StartMembersAsync(1, 2, 3); // node 1 leads every shard
        await cluster.Client.ReplicaSetGrain.SetLeaseAsync(Lease);
        var epoch = (await cluster.Client.GetTopologyAsync()).Epoch;
        string host = cluster.Node(1);
        await TestCluster.WaitAsync("the replica set grain to leave the leader's silo", async () => (host = await cluster.Client.ReplicaSetGrainHostAsync()) != cluster.Node(1));
        var victim = int.Parse(host[cluster.Prefix.Length..], CultureInfo.InvariantCulture);

        await using var writer = new AcknowledgedWriter(cluster.Client, acks: 1);
        await writer.AcknowledgedAsync(500, "before the kill");
        await cluster.KillAsync(victim);
        await writer.AcknowledgedAsync(500, "after the kill");
        await writer.StopAsync();

        // The grain runs elsewhere now, and the leader kept every shard: its renewals reached the grain again in time.
        var moved = await cluster.Client.ReplicaSetGrainHostAsync();
        Assert.NotEqual(host, moved);
        var topology = await cluster.Client.GetTopologyAsync();
        Assert.Equal(epoch, topology.Epoch);
        Assert.All(topology.Leaders, leader => Assert.Equal(cluster.Node(1), leader));

        // The pause is the silo's death being noticed and a lease at most; with Orleans' directory lease holds as they
        // ship, the grain stayed away for about 20 s (18.6 s measured).
        var gap = writer.LongestGap();
        output.WriteLine($"the grain's silo ({host}) SIGKILLed: the grain runs on {moved}; writes acknowledged again after {gap.TotalMilliseconds:0} ms (lease {Lease} ms)");
        Assert.True(gap < TimeSpan.FromMilliseconds((2 * Lease) + 6_000), $"writes were acknowledged again only {gap.TotalMilliseconds:0} ms after the replica set grain's silo was killed (lease {Lease} ms)");
        Assert.Empty(writer.Failures);
        await FailoverTests.EveryAcknowledgedWriteIsReadableAsync(cluster.Client, writer);
    }
}
