using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using OrleansRepl.Silo.Hosting;
using OrleansRepl.Silo.Tests.Cluster;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Hosting;

/// <summary>
/// Metrics on real silo processes: <c>/metrics</c> in the Prometheus format behind the dashboard's credentials,
/// with the leader's and the follower's instruments named and united by the OpenTelemetry conventions; and the
/// same pushed over OTLP/HTTP to a collector on loopback.
/// </summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_AreScrapedWithCredentials_AndPushedOverOtlp()
    {
        using var collector = new OtlpCollector();
        await using var cluster = new TestCluster(null, "metrics", settings: new Dictionary<string, string>
        {
            ["Telemetry:OtlpEndpoint"] = collector.Address.ToString(),
            ["Telemetry:OtlpExportSeconds"] = "1",
        });
        await cluster.StartAsync(1);
        await cluster.AddAsync(1);
        await cluster.StartAsync(2);
        await cluster.AddAsync(2);
        await cluster.Client.LoadAsync(Enumerable.Range(0, 200).Select(i => KeyValuePair.Create($"m{i}", Encoding.UTF8.GetBytes("value"))), acks: 1);

        var anonymous = await cluster.Http.GetAsync(new Uri(cluster.Api(1), TelemetrySetup.MetricsPath));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var leader = await ScrapeAsync(cluster, 1);
        Assert.Contains("# TYPE orepl_leader_ack_lag_seconds histogram", leader);
        Assert.Contains("orepl_leader_ack_lag_seconds_bucket{", leader);
        Assert.Contains($"follower=\"{cluster.Node(2)}\"", leader);
        Assert.Contains("orepl_shard_leader{", leader);
        Assert.Equal(4, Samples(leader, "orepl_shard_leader").Count(v => v == 1));
        Assert.Equal(4, Samples(leader, "orepl_shard_writable").Count(v => v == 1));
        Assert.All(Samples(leader, "orepl_shard_failed"), v => Assert.Equal(0, v));
        Assert.Equal(1, Samples(leader, "orepl_store_open").Single());

        var follower = "";
        await Poll.UntilAsync(async () => Samples(follower = await ScrapeAsync(cluster, 2), "orepl_follower_records_applied_total").Sum() >= 200,
            TimeSpan.FromSeconds(30), "the follower's scrape to count the 200 records it acknowledged");
        Assert.Contains("# TYPE orepl_follower_records_applied_total counter", follower);
        Assert.Contains("orepl_follower_lag_time_seconds{", follower);
        Assert.All(Samples(follower, "orepl_shard_leader"), v => Assert.Equal(0, v));

        // Every metric deploy/'s Grafana dashboard and Prometheus alerts query is one the silos serve. A counter is
        // served from its first count on: reconnects, with the first lost session.
        var served = (leader + "\n" + follower).Split('\n').Where(l => l.StartsWith("orepl_", StringComparison.Ordinal))
            .Select(l => l[..l.IndexOfAny(['{', ' '])]).ToHashSet(StringComparer.Ordinal);
        var deploy = Path.Combine(Repository.Root(), "deploy");
        var queried = Regex.Matches(await File.ReadAllTextAsync(Path.Combine(deploy, "grafana", "orepl-replication.json")) + await File.ReadAllTextAsync(Path.Combine(deploy, "prometheus", "alerts.yml")), "orepl_[a-z_]+")
            .Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        Assert.True(queried.Count >= 10, $"the deploy files query only {string.Join(", ", queried)}");
        Assert.Empty(queried.Except(served).Except(["orepl_follower_reconnects_total"]));

        // The same instruments reach a collector over OTLP/HTTP (protobuf: the names travel as plain UTF-8).
        await Poll.UntilAsync(() => Task.FromResult(collector.Received("orepl.follower.records.applied") && collector.Received("orepl.leader.ack.lag")),
            TimeSpan.FromSeconds(30), "OTLP exports naming the follower's and the leader's instruments");
    }

    private static async Task<string> ScrapeAsync(TestCluster cluster, int number)
    {
        var (status, body) = await cluster.GetAsDashboardUserAsync(number, TelemetrySetup.MetricsPath);
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    /// <summary>The values of every sample of <paramref name="metric"/> (with or without labels) in a Prometheus text exposition.</summary>
    private static List<double> Samples(string exposition, string metric) =>
        [.. exposition.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Select(line => line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0])
            .Select(value => double.Parse(value, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>An OTLP/HTTP receiver on a loopback port: keeps every body posted to <c>/v1/metrics</c>.</summary>
    private sealed class OtlpCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<byte[]> _bodies = [];
        private readonly Task _serving;

        public OtlpCollector()
        {
            Address = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/");
            _listener.Prefixes.Add(Address.ToString());
            _listener.Start();
            _serving = Task.Run(ServeAsync);
        }

        public Uri Address { get; }

        public bool Received(string name)
        {
            var bytes = Encoding.UTF8.GetBytes(name);
            lock (_bodies)
            {
                return _bodies.Any(b => b.AsSpan().IndexOf(bytes) >= 0);
            }
        }

        public void Dispose()
        {
            _listener.Close();
            try
            {
                _serving.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // the listener closing ends the loop with an exception
            }
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                if (context.Request.Url?.AbsolutePath == "/v1/metrics")
                {
                    lock (_bodies)
                    {
                        _bodies.Add(body.ToArray());
                    }
                }

                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }
    }
}
