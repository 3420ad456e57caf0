using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OrleansRepl.Client.Cluster;
using Xunit.Abstractions;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// A leader cut off from the other silos, on real silo processes and a real PostgreSQL, while writes wait for one
/// follower each (acks=1): every byte between it and the other nodes is dropped by the test kit's fault proxies,
/// while it still reaches the database and its clients still reach it. It stops taking writes within its lease,
/// another node leads every shard, no acknowledged write is lost, and once the network heals the old leader
/// follows with an equal store.
/// </summary>
public sealed class PartitionTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private const int Lease = 2_000;

    [Fact]
    public async Task ALeaderCutOffFromTheOthers_StopsTakingWritesWithinItsLease_AndAnotherNodeLeadsWithNoAcknowledgedWriteLost()
    {
        // Orleans probes time out after 1 s here: it takes three missed probes and two votes to declare the cut-off
        // silo dead, longer than its 2 s lease, so the lease is what stops its writes. Until then, grain calls that
        // need the cut-off silo (its share of the grain directory) wait, as they would on any partitioned cluster.
        await using var cluster = new TestCluster(postgres.Server, "part");
        await using var network = new PartitionableNetwork(cluster);

        // The replica set grain activates on the first silo (node 2); node 1 is made the leader.
        foreach (var number in (int[])[2, 1, 3])
        {
            await network.StartAsync(number);
        }

        await cluster.Client.ReplicaSetGrain.SetLeaseAsync(Lease);
        await cluster.Client.ReplicaSetGrain.PromoteAsync(cluster.Node(1));

        // The writing client is on the side of the others: through their gateways only. (A call through the cut-off
        // silo's gateway would wait, up to Orleans' 30 s, until that silo is declared dead.)
        await using var client = await cluster.ConnectThroughAsync(2, 3);
        await using var writer = new AcknowledgedWriter(client, acks: 1);
        await writer.AcknowledgedAsync(1_000, "before the partition");

        network.CutOff(1);
        var cut = Stopwatch.StartNew();
        var accepted = new List<TimeSpan>();
        HttpResponseMessage refused;
        while (true)
        {
            // Straight to node 1's API, asking for no follower (acks=leader): does it still take writes itself?
            var response = await PutAsync(cluster, string.Create(CultureInfo.InvariantCulture, $"probe-{accepted.Count}"));
            if (response.StatusCode != HttpStatusCode.NoContent)
            {
                refused = response;
                break;
            }

            accepted.Add(cut.Elapsed);
            Assert.True(cut.Elapsed < TimeSpan.FromSeconds(10), $"node 1 still takes writes {cut.Elapsed.TotalSeconds:0.0} s after it was cut off");
            await Task.Delay(50);
        }

        var stoppedAfter = cut.Elapsed;
        var detail = await refused.Content.ReadAsStringAsync();
        output.WriteLine($"cut off: the leader took its last write {accepted.LastOrDefault().TotalMilliseconds:0} ms after the cut and refused writes from {stoppedAfter.TotalMilliseconds:0} ms (lease {Lease} ms): {detail}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Contains("NoLease", detail);
        Assert.Contains($"node {cluster.Node(1)} leads shard", detail);

        // Its last renewal was asked before the cut, and it counts the lease from then: it stops within the lease,
        // plus the probe's own round trip.
        Assert.True(stoppedAfter <= TimeSpan.FromMilliseconds(Lease + 1_000), $"node 1 took writes until {stoppedAfter.TotalMilliseconds:0} ms after it was cut off; the lease is {Lease} ms");

        // Another node leads every shard, moved there because node 1 fell silent; the writes go on there.
        await TestCluster.WaitAsync("another node to lead every shard", async () =>
        {
            try
            {
                return !(await client.GetTopologyAsync()).Leaders.Contains(cluster.Node(1));
            }
            catch (TimeoutException)
            {
                return false; // the call waited on the cut-off silo (its share of the grain directory): ask again
            }
        });
        var change = await client.ReplicaSetGrain.GetLastChangeAsync();
        Assert.NotNull(change);
        Assert.Contains($"failover: no lease renewal from {cluster.Node(1)}", change.Reason);
        await writer.AcknowledgedAsync(500, "after the failover");
        await writer.StopAsync();

        // A write node 1 took before its lease lapsed but could not send to a follower is answered as not acknowledged
        // (held by 0 of 1), never as written; every write that was acknowledged is on the new leaders.
        Assert.All(writer.Failures, f => Assert.True(f.Error is ReplicationTimeoutException { Acknowledged: 0 }, $"{f.Key}: {f.Error}"));
        await FailoverTests.EveryAcknowledgedWriteIsReadableAsync(client, writer);

        // Healed, node 1 follows again with an equal store: at once, through its renewals, or, if the others had
        // meanwhile declared its silo dead (it stops itself then), once started again.
        network.Heal();
        var leader = int.Parse((await client.GetTopologyAsync()).Leaders[0][cluster.Prefix.Length..], CultureInfo.InvariantCulture);
        await TestCluster.WaitAsync("node 1 to follow with an equal store", async () =>
        {
            if (cluster.HasExited(1))
            {
                await cluster.StartAsync(1);
            }

            try
            {
                var status = await cluster.StatusAsync(1);
                return status.Shards.All(s => s.Role == "follower") && status.StoreRoot == (await cluster.StatusAsync(leader)).StoreRoot;
            }
            catch (Exception e) when (ClusterClient.IsUnreachable(e))
            {
                return false; // its silo is stopping, declared dead: it is started again at the next look
            }
        });
    }

    private static async Task<HttpResponseMessage> PutAsync(TestCluster cluster, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(cluster.Api(1), $"kv?key={key}")) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(key)) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(cluster.TokenFile)).Trim());
        return await cluster.Http.SendAsync(request);
    }
}
