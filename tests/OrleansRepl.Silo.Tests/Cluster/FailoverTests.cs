using System.Globalization;
using System.Text;
using OrleansRepl.Client.Cluster;
using Xunit.Abstractions;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// Automatic failover on real silo processes and a real PostgreSQL: the leader's silo is SIGKILLed during a load
/// of writes that each wait for one follower (acks=1). Another node leads every shard within the lease and its
/// drift, no acknowledged write is lost, the writes in flight carry on through the client, and the old leader
/// rejoins as a follower with an equal store. A class of its own, so it runs beside the other cluster tests.
/// </summary>
public sealed class FailoverTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Lease = 2_000;

    [Fact]
    public async Task TheLeadersSiloKilledUnderAcks1_AnotherNodeLeadsEveryShardWithinTheLease_AndNoAcknowledgedWriteIsLost()
    {
        await using var cluster = new TestCluster(postgres.Server, "fail");

        // The replica set grain activates on the first silo (node 2); node 1 is made the leader, so its death is the leader's alone.
        await cluster.StartMembersAsync(2, 1, 3);

        await cluster.Client.ReplicaSetGrain.SetLeaseAsync(Lease);
        await cluster.Client.ReplicaSetGrain.PromoteAsync(cluster.Node(1));

        await using var writer = new AcknowledgedWriter(cluster.Client, acks: 1);
        await writer.AcknowledgedAsync(2_000, "before the kill");
        await cluster.KillAsync(1);
        await writer.AcknowledgedAsync(1_000, "after the kill");
        await writer.StopAsync();

        // Another node leads every shard, and it says why; it measures its follower's lag.
        var topology = await cluster.Client.GetTopologyAsync();
        Assert.DoesNotContain(cluster.Node(1), topology.Leaders);
        var leaderOfShard0 = int.Parse(topology.Leaders[0][cluster.Prefix.Length..], CultureInfo.InvariantCulture);
        var lag = (await cluster.StatusAsync(leaderOfShard0)).Lag ?? [];
        Assert.Contains(lag, l => l.Samples > 0 && l.P99Milliseconds > 0 && l.Node != cluster.Node(1));
        var change = await cluster.Client.ReplicaSetGrain.GetLastChangeAsync();
        Assert.NotNull(change);
        Assert.True(change.Automatic);
        Assert.Contains($"failover: no lease renewal from {cluster.Node(1)}", change.Reason);
        Assert.All(change.Moves, m => Assert.Equal(cluster.Node(1), m.From));
        Assert.Contains($"failover: no lease renewal from {cluster.Node(1)}", ClusterStatusTable.Render(await cluster.Client.GetStatusAsync()));

        // Writes went on: the longest pause between two acknowledged writes, around the kill, is within the lease, its
        // drift, and the client's retry, with another lease to spare: a replica set grain starved of CPU by a loaded
        // machine gives every member a lease to report again before it judges one silent.
        var gap = writer.LongestGap();
        output.WriteLine($"leader SIGKILLed: writes acknowledged again after {gap.TotalMilliseconds:0} ms (lease {Lease} ms); moves: {string.Join("; ", change.Moves.Select(m => $"{m.Shard}:{m.From}@{m.FromLsn}->{m.To}@{m.ToLsn}"))}");
        Assert.True(gap < TimeSpan.FromMilliseconds((2 * Lease) + 3_000), $"writes were acknowledged again only {gap.TotalMilliseconds:0} ms after the leader was killed (lease {Lease} ms)");
        Assert.Empty(writer.Failures); // a write in flight to the dead leader was sent again to the new one
        await EveryAcknowledgedWriteIsReadableAsync(cluster.Client, writer);

        // The old leader comes back as a follower and ends with the same store.
        await cluster.StartAsync(1);
        await cluster.ConvergedAsync(leaderOfShard0, 1, 2, 3);
        Assert.All((await cluster.StatusAsync(1)).Shards, s => Assert.Equal("follower", s.Role));
    }

    /// <summary>Reads every write <paramref name="writer"/> had acknowledged back through the client, from the shards' leaders now.</summary>
    internal static async Task EveryAcknowledgedWriteIsReadableAsync(ClusterClient client, AcknowledgedWriter writer)
    {
        foreach (var (key, _) in writer.Acknowledged)
        {
            Assert.Equal(key, Encoding.UTF8.GetString(await client.GetAsync(key) ?? []));
        }
    }
}
