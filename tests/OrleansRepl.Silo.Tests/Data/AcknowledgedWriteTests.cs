using System.Net;
using System.Text;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Silo.Tests.Cluster;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Data;

/// <summary>
/// Writes acknowledged by followers, on three silo processes: <c>acks=N</c> returns once N followers hold the write,
/// a follower that stopped following leaves the write short (504, the count named, the write standing on the
/// leader), more followers than the replica set has is refused before anything is written, and <c>orepl wait</c>.
/// </summary>
public sealed class AcknowledgedWriteTests
{
    [Fact]
    public async Task AcksN_WaitsForNFollowers_ATimeoutSaysHowManyHoldIt_AndTheWriteStands()
    {
        await using var cluster = new TestCluster(null, "acks", settings: new Dictionary<string, string> { ["Replication:KeyValue:AckTimeoutSeconds"] = "3" });
        await cluster.StartMembersAsync(1, 2, 3);

        // Both followers hold an acknowledged write the moment it returns.
        await cluster.Client.PutAsync("held", Encoding.UTF8.GetBytes("by all"), acks: 2);
        Assert.Equal("by all", Encoding.UTF8.GetString(await cluster.Client.GetAsync("held", cluster.Node(2)) ?? []));
        Assert.Equal("by all", Encoding.UTF8.GetString(await cluster.Client.GetAsync("held", cluster.Node(3)) ?? []));

        // A load whose every batch waits for both followers: all of it is on them when it returns, through the client and orepl.
        Assert.Equal(3_000, await cluster.Client.LoadAsync(TestRecords.Records("acked-", 3_000), batchBytes: 16 << 10, acks: 2));
        Assert.Equal("acked-2999 value", TestRecords.Text(await cluster.Client.GetAsync("acked-2999", cluster.Node(2))));
        Assert.Equal("acked-2999 value", TestRecords.Text(await cluster.Client.GetAsync("acked-2999", cluster.Node(3))));
        string[] connect = ["--gateway", cluster.Gateway(1).ToString(), "--cluster", "acks", "--token-file", cluster.TokenFile, "--replica-set", "acks", "--tls", cluster.ClientTlsDirectory];
        Assert.Contains("loaded 500 records in", Orepl(0, ["load", "--count", "500", "--prefix", "cli-acked-", "--acks", "2", .. connect]).StandardOutput);
        Assert.NotNull(await cluster.Client.GetAsync("cli-acked-499", cluster.Node(3)));

        // The replica set's default: a write that does not say is held by both followers when it returns.
        Assert.Contains("writes are acknowledged once 2 followers hold them", Orepl(0, ["configure", "--default-acks", "2", .. connect]).StandardOutput);
        Assert.Contains("a leader's lease lasts 4000 ms", Orepl(0, ["configure", "--lease-seconds", "4", .. connect]).StandardOutput);
        Assert.Contains("give --default-acks N, --lease-seconds S, or both", Orepl(1, ["configure", .. connect]).StandardError);
        Assert.Contains("a lease must last 500..120000 ms", Orepl(1, ["configure", "--lease-seconds", "0.1", .. connect]).StandardError);
        var tooManyByDefault = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cluster.Client.ReplicaSetGrain.SetDefaultAcksAsync(3));
        Assert.Contains("has 2 followers of each shard; the default acks must be 0..2", tooManyByDefault.Message);
        var table = ClusterStatusTable.Render(await cluster.Client.GetStatusAsync());
        Assert.Contains("writes acknowledged once 2 followers hold them (acks=2)", table);
        Assert.Contains("leader leases of 4000 ms", table);
        Assert.Matches(@"acks1\s+\d\s+leader\s+acks1\s+\d+\.\ds\s+\d+\s+.*acks2@\d+ acks3@\d+", table); // the lease left, and what each follower holds, on the leader's rows
        await Assert.ThrowsAnyAsync<Exception>(() => cluster.Client.ReplicaSetGrain.RemoveNodeAsync(cluster.Node(3))); // would leave 1 follower
        await cluster.SetPausedAsync(3, paused: true);
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await cluster.Client.PutAsync("by default", Encoding.UTF8.GetBytes("waits"));
                return false; // the leader has not heard of the default yet
            }
            catch (ReplicationTimeoutException e)
            {
                return (e.Acknowledged, e.Required) == (1, 2);
            }
        }, TestCluster.Patience, "a write that does not say to wait for the replica set's default of 2 followers");
        await cluster.SetPausedAsync(3, paused: false);
        await cluster.Client.ReplicaSetGrain.SetDefaultAcksAsync(0);

        // More followers than there are: refused before anything is written.
        var tooMany = await Assert.ThrowsAsync<HttpRequestException>(() => cluster.Client.PutAsync("never", Encoding.UTF8.GetBytes("x"), acks: 3));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("acks=3 asks for more followers than replica set acks has: 2", tooMany.Message);
        Assert.Null(await cluster.Client.GetAsync("never"));

        // With node 3 not following, acks=2 cannot be met: the answer says 1 of 2, and the write stands on the leader.
        await cluster.SetPausedAsync(3, paused: true);
        var shortOf = await Assert.ThrowsAsync<ReplicationTimeoutException>(() => cluster.Client.PutAsync("short", Encoding.UTF8.GetBytes("of one"), acks: 2, timeout: TimeSpan.FromSeconds(1)));
        Assert.Equal((1, 2), (shortOf.Acknowledged, shortOf.Required));
        Assert.Contains("but 1 of the 2 followers asked for acknowledged it within 1.0 s; the write stands, it is not rolled back", shortOf.Message);
        Assert.Equal("of one", Encoding.UTF8.GetString(await cluster.Client.GetAsync("short") ?? []));
        await cluster.Client.PutAsync("one is enough", Encoding.UTF8.GetBytes("yes"), acks: 1);

        // orepl wait: short of two followers while node 3 is paused; met once it follows again.
        var waited = Orepl(1, ["wait", "--replicas", "2", "--timeout", "1", .. connect]);
        Assert.Contains($"{cluster.Node(1)} (epoch 1): 1 of 2 followers hold all it wrote", waited.StandardOutput);
        await cluster.SetPausedAsync(3, paused: false);
        Assert.Contains("2 of 2 followers hold all it wrote", Orepl(0, ["wait", "--replicas", "2", "--timeout", "30", .. connect]).StandardOutput);
        Assert.Equal("of one", Encoding.UTF8.GetString(await cluster.Client.GetAsync("short", cluster.Node(3)) ?? []));

        Orepl(0, ["put", "k", "v", "--acks", "2", .. connect]);
    }

    private static ProcessResult Orepl(int exitCode, params string[] arguments)
    {
        var result = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"), [Path.Combine(AppContext.BaseDirectory, "orepl.dll"), .. arguments]);
        Assert.True(result.ExitCode == exitCode, $"orepl {string.Join(' ', arguments)} exited {result.ExitCode}, not {exitCode}: {result.StandardError}{result.StandardOutput}");
        return result;
    }
}
