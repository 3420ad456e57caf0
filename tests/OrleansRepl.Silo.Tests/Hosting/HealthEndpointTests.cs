using System.Net;
using OrleansRepl.Silo.Hosting;
using OrleansRepl.Silo.Tests.Cluster;

namespace OrleansRepl.Silo.Tests.Hosting;

/// <summary>
/// <c>/health/live</c> and <c>/health/ready</c> on real silo processes, without credentials: a node is live once it
/// answers; ready only as a member serving or following every shard, and not while its followers are paused. Each
/// refusal names the condition.
/// </summary>
[Collection(ObservedCluster.Collection)]
public sealed class HealthEndpointTests(ObservedCluster observed)
{
    [Fact]
    public async Task ANode_IsLiveOnceItAnswers_AndReadyOnlyWhileAMemberServingOrFollowingEveryShard()
    {
        var cluster = observed.Cluster;
        var (live, liveText) = await GetAsync(cluster, 3, HealthEndpoints.LivePath);
        Assert.Equal(HttpStatusCode.OK, live);
        Assert.Equal("Healthy: live\n", liveText);

        // Node 3's silo is up, but the node was never added.
        var (ready, readyText) = await GetAsync(cluster, 3, HealthEndpoints.ReadyPath);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready);
        Assert.Contains($"node {cluster.Node(3)} is not ready: node {cluster.Node(3)} is not a member of replica set", readyText);

        await ReadyAsync(cluster, 1, "4 shards led");
        await ReadyAsync(cluster, 2, "4 followed");

        await cluster.SetPausedAsync(2, paused: true);
        try
        {
            var (paused, pausedText) = await GetAsync(cluster, 2, HealthEndpoints.ReadyPath);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, paused);
            Assert.Contains($"shard 0: not following its leader {cluster.Node(1)}", pausedText);
        }
        finally
        {
            await cluster.SetPausedAsync(2, paused: false);
        }

        await ReadyAsync(cluster, 2, "4 followed");
    }

    private static async Task ReadyAsync(TestCluster cluster, int number, string says)
    {
        var last = "";
        await TestCluster.WaitAsync($"{cluster.Node(number)} to be ready", async () =>
        {
            var (status, text) = await GetAsync(cluster, number, HealthEndpoints.ReadyPath);
            last = text;
            return status == HttpStatusCode.OK;
        }, () => $"it last said: {last}");
        Assert.StartsWith("Healthy: ", last);
        Assert.Contains(says, last);
    }

    private static async Task<(HttpStatusCode Status, string Text)> GetAsync(TestCluster cluster, int number, string path)
    {
        using var response = await cluster.Http.GetAsync(new Uri(cluster.Api(number), path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
