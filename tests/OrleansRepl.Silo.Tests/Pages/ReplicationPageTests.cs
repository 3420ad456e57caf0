using System.Net;
using System.Text.Json;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Silo.Pages;
using OrleansRepl.Silo.Tests.Cluster;
using OrleansRepl.Silo.Tests.Hosting;

namespace OrleansRepl.Silo.Tests.Pages;

/// <summary>
/// The replication page on real silo processes: refused without the dashboard's credentials; with them, the page, its
/// state (the replica set read whole from the grains: leaders, leases, each follower's progress, the leader's view of
/// each follower's durable LSN, each node's last anti-entropy pull per peer), and the Orleans Dashboard's page
/// carrying a link to it.
/// </summary>
[Collection(ObservedCluster.Collection)]
public sealed class ReplicationPageTests(ObservedCluster observed)
{
    [Fact]
    public async Task ThePage_AndItsState_NeedTheDashboardsCredentials_AndTheDashboardLinksToIt()
    {
        var cluster = observed.Cluster;
        await observed.WriteAsync("page-", 100);

        foreach (var path in (string[])[ReplicationPage.Path, ReplicationPage.StatePath])
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await cluster.Http.GetAsync(new Uri(cluster.Api(2), path))).StatusCode);
        }

        var page = await cluster.GetOkAsDashboardUserAsync(2, ReplicationPage.Path);
        Assert.Contains("<canvas id=\"lag-chart\"", page);
        Assert.Contains("replication/state", page);

        // Read from node 2's silo: the whole replica set, the leader's rows included.
        using var state = JsonDocument.Parse(await cluster.GetOkAsDashboardUserAsync(2, ReplicationPage.StatePath));
        var root = state.RootElement;
        Assert.Equal(cluster.Node(2), root.GetProperty("answeredBy").GetString());
        var topology = root.GetProperty("cluster").GetProperty("topology");
        Assert.Equal(4, topology.GetProperty("shardCount").GetInt32());
        Assert.All(topology.GetProperty("leaders").EnumerateArray(), l => Assert.Equal(cluster.Node(1), l.GetString()));
        var nodes = root.GetProperty("cluster").GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("nodeId").GetString()!);
        Assert.Equal(4, nodes[cluster.Node(2)].GetProperty("shards").GetArrayLength());
        var leaderShards = nodes[cluster.Node(1)].GetProperty("status").GetProperty("shards").EnumerateArray().ToList();
        Assert.All(leaderShards, s => Assert.Equal(cluster.Node(2), s.GetProperty("durable")[0].GetProperty("node").GetString()));
        Assert.All(leaderShards, s => Assert.Equal(s.GetProperty("nextLsn").GetInt64() - 1, s.GetProperty("durable")[0].GetProperty("lsn").GetInt64())); // acks=1: the follower holds them all
        Assert.All(leaderShards, s => Assert.Equal(0, s.GetProperty("durable")[0].GetProperty("bytesBehind").GetInt64()));
        Assert.All(root.GetProperty("cluster").GetProperty("leases").EnumerateArray(), l => Assert.Equal(cluster.Node(1), l.GetProperty("holder").GetString()));

        // An anti-entropy pull node 2 makes from node 1 is on the page with what finding the differences cost.
        await cluster.Client.Grains.Peer(cluster.Node(2), cluster.Node(1)).SyncNowAsync();
        JsonElement cycle = default;
        await TestCluster.WaitAsync("node 2's anti-entropy pull from node 1 to show on the page's state", async () =>
        {
            using var again = JsonDocument.Parse(await cluster.GetOkAsDashboardUserAsync(1, ReplicationPage.StatePath));
            var node2 = again.RootElement.GetProperty("cluster").GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("nodeId").GetString() == cluster.Node(2));
            var cycles = node2.GetProperty("status").GetProperty("antiEntropy").EnumerateArray().Where(c => c.GetProperty("peer").GetString() == cluster.Node(1)).ToList();
            cycle = cycles.Count == 1 ? cycles[0].Clone() : default;
            return cycles.Count == 1;
        });
        Assert.True(cycle.GetProperty("metadataBytes").GetInt64() > 0);
        Assert.True(cycle.GetProperty("roundTrips").GetInt32() > 0);

        var dashboard = await cluster.GetOkAsDashboardUserAsync(1, "/dashboard/");
        Assert.Contains($"id=\"{DashboardLink.LinkId}\" href=\"../replication\"", dashboard);
        Assert.Contains("Orleans Dashboard", dashboard);
    }
}
