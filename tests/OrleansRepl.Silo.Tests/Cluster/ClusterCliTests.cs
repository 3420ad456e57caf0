using System.Text.Json;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary><c>orepl</c>'s cluster commands as an operator runs them, against silo processes.</summary>
public sealed partial class ClusterCliTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task TheClusterCommands_ChangeTheTopology_AndReadAndWriteThroughTheLeader()
    {
        await using var cluster = new TestCluster(postgres.Server, "cli", settings: new Dictionary<string, string> { ["Silo:Dashboard"] = "true" });
        await cluster.StartAsync(1);
        await cluster.StartAsync(2);
        string[] connect = ["--gateway", cluster.Gateway(1).ToString(), "--cluster", "cli", "--token-file", cluster.TokenFile, "--replica-set", "cli", "--tls", cluster.ClientTlsDirectory];
        using var directory = new TempDirectory();
        directory.WriteSecret("postgres", postgres.Server.ConnectionString);
        string[] throughMembership = ["--postgres-file", directory.File("postgres"), "--cluster", "cli", "--token-file", cluster.TokenFile, "--replica-set", "cli", "--tls", cluster.ClientTlsDirectory];

        Assert.Contains("orepl status: say where the cluster is with exactly one of --gateway", Orepl(1, "status").StandardError);
        Assert.Contains("cannot connect to cluster nowhere through gateways 127.0.0.1:1", Orepl(1, ["status", "--gateway", "127.0.0.1:1", "--cluster", "nowhere", "--token-file", cluster.TokenFile, "--tls", cluster.ClientTlsDirectory]).StandardError);
        Assert.Contains("TLS is on by default: give --tls DIR", Orepl(1, ["status", "--gateway", cluster.Gateway(1).ToString(), "--cluster", "cli", "--token-file", cluster.TokenFile]).StandardError);
        await TestCluster.WaitAsync("the stores to open", async () => (await cluster.StatusAsync(1)).ShardCount > 0 && (await cluster.StatusAsync(2)).ShardCount > 0);

        // The silos' command lines, which any user can read (ps), carry no connection string: it is in their environment.
        var commandLines = ExternalTool.RunProcess("pgrep", ["-af", "orepl-silo"]).StandardOutput;
        Assert.Contains("--Silo:NodeId=cli1", commandLines);
        Assert.DoesNotContain(postgres.Server.ConnectionString, commandLines);
        Assert.Contains("added cli1", Orepl(0, ["add-node", "--node", "cli1", .. connect]).StandardOutput);
        Assert.Contains("it follows cli1", Orepl(0, ["add-node", "--node", "cli2", .. connect]).StandardOutput);
        Assert.Contains("node cli2 is already a member", Orepl(1, ["add-node", "--node", "cli2", .. connect]).StandardError);

        using (var anonymous = cluster.NewHttpClient())
        {
            // The key-value API is behind the API token; nothing unauthenticated is written.
            using var refused = await anonymous.PutAsync(new Uri(cluster.Api(1), "kv/colour"), new ByteArrayContent("red"u8.ToArray()));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Null(await cluster.Client.GetAsync("colour"));

            // The Orleans Dashboard is behind Basic authentication: a browser is challenged, a wrong password refused.
            using var challenged = await anonymous.GetAsync(new Uri(cluster.Api(1), "dashboard/"));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, challenged.StatusCode);
            Assert.Equal("Basic", challenged.Headers.WwwAuthenticate.Single().Scheme);
            using var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Api(1), "dashboard/"));
            wrong.Headers.Authorization = new("Basic", Convert.ToBase64String("orepl:not-the-token"u8.ToArray()));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.SendAsync(wrong)).StatusCode);
            using var right = new HttpRequestMessage(HttpMethod.Get, new Uri(cluster.Api(1), "dashboard/"));
            right.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"orepl:{(await File.ReadAllTextAsync(cluster.TokenFile)).Trim()}")));
            using var page = await anonymous.SendAsync(right);
            Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        }

        Orepl(0, ["put", "colour", "blue", .. connect]);
        Assert.Equal("blue", Orepl(0, ["get", "colour", .. connect]).StandardOutput.Trim());
        Assert.Matches(@"loaded 1000 records in [\d.]+ s", Orepl(0, ["load", "--count", "1000", .. connect]).StandardOutput);
        await cluster.ConvergedAsync(1, 2);
        Assert.Equal("blue", Orepl(0, ["get", "colour", "--node", "cli2", .. connect]).StandardOutput.Trim());

        using (var status = JsonDocument.Parse(Orepl(0, ["status", "--json", .. throughMembership]).StandardOutput)) // gateways found in PostgreSQL
        {
            Assert.Equal(1, status.RootElement.GetProperty("topology").GetProperty("epoch").GetInt32());
            Assert.Equal(2, status.RootElement.GetProperty("nodes").GetArrayLength());
            Assert.All(status.RootElement.GetProperty("nodes").EnumerateArray(), n => Assert.Equal("serving", n.GetProperty("status").GetProperty("state").GetString()));
        }

        Assert.Contains("--shards takes shard numbers separated by commas, as 0,2,5; \"x\" is not one", Orepl(1, ["promote", "--node", "cli2", "--shards", "1,x", .. connect]).StandardError);
        Assert.Contains("cli2 leads every shard of cli at epoch 2", Orepl(0, ["promote", "--node", "cli2", .. connect]).StandardOutput);
        Orepl(0, ["delete", "colour", .. connect]); // routed to the new leader
        Assert.Contains("colour: not found", Orepl(1, ["get", "colour", .. connect]).StandardOutput);
        var table = Orepl(0, ["status", .. connect]).StandardOutput;
        Assert.Contains("replica set cli: epoch 2, 4 shards, 2 nodes", table);
        Assert.Matches(@"last leader change: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, epoch 2, promoted by an operator: shards 0,1,2,3 from cli1 to cli2, (as last reported the old leader held \d+ records the new one lacked \(none of them acknowledged; it rolls them back as it rejoins\)|what the new leader lacked is unknown)", table);
        Assert.Matches(@"cli2\s+serving\s+\S+\s+0,1,2,3", table);
        Assert.Contains("leads shards 0,1,2,3 of replica set cli; promote another node first", Orepl(1, ["remove-node", "--node", "cli2", .. connect]).StandardError);

        // Shard followers and anti-entropy, by hand.
        Assert.Contains("paused cli1 shards 0,1,2,3", Orepl(0, ["shard", "pause", "--node", "cli1", .. connect]).StandardOutput);
        await TestCluster.WaitAsync("cli1's followers to stop", async () => (await cluster.StatusAsync(1)).Shards.All(s => !s.Following));
        Assert.Contains("--shard 9 is not a shard of cli (0..3)", Orepl(1, ["shard", "resume", "--node", "cli1", "--shard", "9", .. connect]).StandardError);
        Assert.Contains("resumed cli1 shard 2", Orepl(0, ["shard", "resume", "--node", "cli1", "--shard", "2", .. connect]).StandardOutput);
        await TestCluster.WaitAsync("cli1 to follow shard 2 again", async () => (await cluster.StatusAsync(1)).Shards.Where(s => s.Following).Select(s => s.Shard).SequenceEqual([2]));
        Orepl(0, ["shard", "resume", "--node", "cli1", .. connect]);
        Assert.Contains("cli1 pulls from cli2 at 127.0.0.1:", Orepl(0, ["peer", "configure", "--node", "cli1", "--peer", "cli2", "--interval", "5", .. connect]).StandardOutput);
        Assert.Equal(5, (await cluster.Client.Grains.GetGrain<Grains.Peers.IPeerGrain>("cli1/cli2").GetStatusAsync()).IntervalSeconds);
        Assert.Contains("anti-entropy of cli1 from cli2 started", Orepl(0, ["peer", "sync", "--node", "cli1", "--peer", "cli2", .. connect]).StandardOutput);

        // A third node, bootstrapped from the leader with progress on a pipe, then added.
        await cluster.StartAsync(3);
        var bootstrap = Orepl(0, ["bootstrap", "--node", "cli3", "--from", "cli2", .. connect]).StandardOutput;
        Assert.Contains("bootstrap of cli3 from cli2 requested", bootstrap);
        Assert.Matches(@"bootstrapped cli3: \d+ bytes from cli2", bootstrap);
        Orepl(0, ["add-node", "--node", "cli3", .. connect]);
        await cluster.ConvergedAsync(2, 1, 3);

        // A failure inside a grain (its storage gone) reaches the operator as a short message with a correlation id;
        // the SQL error itself is in the silo's log under that id, not in the answer.
        await using (var database = Npgsql.NpgsqlDataSource.Create(postgres.Server.ConnectionString))
        {
            await database.CreateCommand("ALTER TABLE orleansstorage RENAME TO orleansstorage_away").ExecuteNonQueryAsync();
            try
            {
                var failed = Orepl(1, ["peer", "configure", "--node", "cli1", "--peer", "cli2", "--interval", "7", .. connect]).StandardError;
                var id = Assert.Single(CorrelationId().Matches(failed)).Groups["id"].Value;
                Assert.DoesNotContain("orleansstorage", failed, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("Exception", failed, StringComparison.Ordinal);
                // The log line names the error and the call; the exception it carries, the storage's own words.
                bool Logged(string log) => log.IndexOf($"error {id}: ", StringComparison.Ordinal) is var at and >= 0
                    && log.AsSpan(at, Math.Min(4000, log.Length - at)).ToString() is var entry && entry.Contains("IPeerGrain.", StringComparison.Ordinal) && entry.Contains("orleansstorage", StringComparison.Ordinal);
                await TestCluster.WaitAsync($"error {id} in a silo's log", () => Task.FromResult(Enumerable.Range(1, 3).Any(n => Logged(File.ReadAllText(cluster.Log(n))))));
            }
            finally
            {
                await database.CreateCommand("ALTER TABLE orleansstorage_away RENAME TO orleansstorage").ExecuteNonQueryAsync();
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"IPeerGrain\.\w+ failed inside the cluster \(error (?<id>[0-9a-f]{12})\); the silo's log has the details under that id")]
    private static partial System.Text.RegularExpressions.Regex CorrelationId();

    /// <summary>Runs orepl with the given arguments and asserts its exit code.</summary>
    private static ProcessResult Orepl(int exitCode, params string[] arguments)
    {
        var result = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"), [Path.Combine(AppContext.BaseDirectory, "orepl.dll"), .. arguments]);
        Assert.True(result.ExitCode == exitCode, $"orepl {string.Join(' ', arguments)} exited {result.ExitCode}, not {exitCode}: {result.StandardError}{result.StandardOutput}");
        return result;
    }
}
