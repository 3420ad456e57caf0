using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OrleansRepl.Silo.Tests.Cluster;

namespace OrleansRepl.Silo.Tests.Workers;

/// <summary>
/// The leader's lease on real silo processes: a leader whose control plane stops answering (the silo holding the
/// replica set grain frozen with SIGSTOP) stops taking writes within its lease, says why, and takes them again once
/// the grain answers; a client write sent meanwhile waits it out rather than failing.
/// </summary>
public sealed class LeaseKeeperTests
{
    private const int Lease = 1_500;

    [Fact]
    public async Task ALeaderCutOffFromTheReplicaSetGrain_StopsTakingWritesWithinItsLease_AndResumesWhenItAnswers()
    {
        await using var cluster = new TestCluster(null, "lease");

        // The replica set grain activates on the first silo to start; node 1, on the other silo, is made the leader.
        await cluster.StartAsync(2);
        await cluster.AddAsync(2);
        await cluster.StartAsync(1);
        await cluster.AddAsync(1);
        await cluster.Client.ReplicaSetGrain.SetLeaseAsync(Lease);
        await cluster.Client.ReplicaSetGrain.PromoteAsync(cluster.Node(1));
        await cluster.Client.PutAsync("before", Encoding.UTF8.GetBytes("cut off")); // waits out the handover, if it must
        // Node 1 takes writes once it has the new topology and the lease (the old leader may take the client's write
        // until it learns of the promotion).
        await TestCluster.WaitAsync("node 1 to take writes as the leader", async () => (await PutAsync(cluster, "before")).StatusCode == HttpStatusCode.NoContent);

        await cluster.PauseAsync(2);
        var paused = Stopwatch.StartNew();
        HttpResponseMessage refused;
        try
        {
            while (true)
            {
                var response = await PutAsync(cluster, "during");
                if (response.StatusCode != HttpStatusCode.NoContent)
                {
                    refused = response;
                    break;
                }

                Assert.True(paused.Elapsed < TimeSpan.FromSeconds(10), $"node 1 still takes writes {paused.Elapsed.TotalSeconds:0.0} s after its control plane froze");
                await Task.Delay(50);
            }

            var stoppedAfter = paused.Elapsed;
            var detail = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("NoLease", detail);
            Assert.Contains($"node {cluster.Node(1)} leads shard", detail);
            Assert.Contains("holds no lease on it", detail);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);

            // Within the lease of the last renewal asked before the freeze, plus the probe's own round trip.
            Assert.True(stoppedAfter <= TimeSpan.FromMilliseconds(Lease + 1_000), $"writes stopped {stoppedAfter.TotalMilliseconds:0} ms after the freeze; the lease is {Lease} ms");

            // Reads too: a leader without its lease may have been replaced, so it does not answer for the shard.
            var read = await SendAsync(cluster, HttpMethod.Get, "before");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);

            // A client write now waits (Retry-After) rather than failing.
            var waiting = cluster.Client.PutAsync("during", Encoding.UTF8.GetBytes("waited"));
            await Task.Delay(1_500);
            Assert.False(waiting.IsCompleted, "a write completed while node 1 held no lease");
            await cluster.ResumeAsync(2);
            await waiting.WaitAsync(TestCluster.Patience);
        }
        finally
        {
            await cluster.ResumeAsync(2); // a frozen silo would not stop when the cluster is disposed
        }

        Assert.Equal("waited", Encoding.UTF8.GetString(await cluster.Client.GetAsync("during") ?? []));
        Assert.Equal(HttpStatusCode.NoContent, (await PutAsync(cluster, "after")).StatusCode);
    }

    private static Task<HttpResponseMessage> PutAsync(TestCluster cluster, string key) =>
        SendAsync(cluster, HttpMethod.Put, key, new ByteArrayContent(Encoding.UTF8.GetBytes(key)));

    private static async Task<HttpResponseMessage> SendAsync(TestCluster cluster, HttpMethod method, string key, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, new Uri(cluster.Api(1), $"kv?key={key}")) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(cluster.TokenFile)).Trim());
        return await cluster.Http.SendAsync(request);
    }
}
