using System.Net;
using System.Text;
using System.Text.Json;
using OrleansRepl.Silo.Pages;
using OrleansRepl.Silo.Tests.Cluster;

namespace OrleansRepl.Silo.Tests.Pages;

/// <summary>
/// The replication page on real silo processes: refused without the dashboard's credentials; with them, the page, its
/// state (the replica set read whole from the grains: leaders, leases, each follower's progress, the leader's view of
/// each follower's durable LSN), and the Orleans Dashboard's page carrying a link to it.
/// </summary>
public sealed class ReplicationPageTests
{
    [Fact]
    public async Task ThePage_AndItsState_NeedTheDashboardsCredentials_AndTheDashboardLinksToIt()
    {
        await using var cluster = new TestCluster(null, "page", settings: new Dictionary<string, string> { ["Silo:Dashboard"] = "true" });
        await cluster.StartAsync(1);
        await cluster.AddAsync(1);
        await cluster.StartAsync(2);
        await cluster.AddAsync(2);
        await cluster.Client.LoadAsync(Enumerable.Range(0, 100).Select(i => KeyValuePair.Create($"p{i}", Encoding.UTF8.GetBytes("value"))), acks: 1);

        foreach (var path in (string[])[ReplicationPage.Path, ReplicationPage.StatePath])
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.Http.GetAsync(new Uri(cluster.Api(2), path))).StatusCode);
        }

        var page = await GetAsync(cluster, 2, ReplicationPage.Path);
        Assert.Contains("<canvas id=\"lag-chart\"", page);
        Assert.Contains("replication/state", page);

        // Read from node 2's silo: the whole replica set, the leader's rows included.
        using var state = JsonDocument.Parse(await GetAsync(cluster, 2, ReplicationPage.StatePath));
        var root = state.RootElement;
        Assert.Equal(cluster.Node(2), root.GetProperty("answeredBy").GetString());
        var topology = root.GetProperty("cluster").GetProperty("topology");
        Assert.Equal(4, topology.GetProperty("shardCount").GetInt32());
        Assert.All(topology.GetProperty("leaders").EnumerateArray(), l => Assert.Equal(cluster.Node(1), l.GetString()));
        var nodes = root.GetProperty("cluster").GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("nodeId").GetString()!);
        Assert.Equal(4, nodes[cluster.Node(2)].GetProperty("shards").GetArrayLength());
        var leaderShards = nodes[cluster.Node(1)].GetProperty("status").GetProperty("shards").EnumerateArray().ToList();
        Assert.All(leaderShards, s => Assert.Equal(cluster.Node(2), s.GetProperty("durable")[0].GetProperty("node").GetString()));
        Assert.Equal(100, leaderShards.Sum(s => s.GetProperty("durable")[0].GetProperty("lsn").GetInt64())); // acks=1: the follower holds all 100
        Assert.All(root.GetProperty("cluster").GetProperty("leases").EnumerateArray(), l => Assert.Equal(cluster.Node(1), l.GetProperty("holder").GetString()));

        var dashboard = await GetAsync(cluster, 1, "/dashboard/");
        Assert.Contains($"id=\"{DashboardLink.LinkId}\" href=\"../replication\"", dashboard);
        Assert.Contains("Orleans Dashboard", dashboard);
    }

    private static async Task<string> GetAsync(TestCluster cluster, int number, string path)
    {
        var (status, body) = await cluster.GetAsDashboardUserAsync(number, path);
        Assert.True(status == HttpStatusCode.OK, $"{path} on {cluster.Node(number)} answered {(int)status}: {body}");
        return body;
    }
}
