using System.Net;
using System.Text.RegularExpressions;
using OrleansRepl.Silo.Hosting;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Hosting;

/// <summary>
/// Metrics on real silo processes: <c>/metrics</c> in the Prometheus format behind the dashboard's credentials,
/// with the leader's and the follower's instruments named and united by the OpenTelemetry conventions; and the
/// same pushed over OTLP/HTTP to a collector on loopback.
/// </summary>
[Collection(ObservedCluster.Collection)]
public sealed class MetricsEndpointTests(ObservedCluster observed)
{
    [Fact]
    public async Task Metrics_AreScrapedWithCredentials_AndPushedOverOtlp()
    {
        var cluster = observed.Cluster;
        await observed.WriteAsync("metrics-", 200);

        var anonymous = await cluster.Http.GetAsync(new Uri(cluster.Api(1), TelemetrySetup.MetricsPath));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var leader = await cluster.GetOkAsDashboardUserAsync(1, TelemetrySetup.MetricsPath);
        Assert.Contains("# TYPE orepl_leader_ack_lag_seconds histogram", leader);
        Assert.Contains("orepl_leader_ack_lag_seconds_bucket{", leader);
        Assert.Contains($"follower=\"{cluster.Node(2)}\"", leader);
        Assert.Contains("orepl_shard_leader{", leader);
        Assert.Equal(4, Samples(leader, "orepl_shard_leader").Count(v => v == 1));
        Assert.Equal(4, Samples(leader, "orepl_shard_writable").Count(v => v == 1));
        Assert.All(Samples(leader, "orepl_shard_failed"), v => Assert.Equal(0, v));
        Assert.Equal(1, Samples(leader, "orepl_store_open").Single());

        var follower = "";
        await Poll.UntilAsync(async () => Samples(follower = await cluster.GetOkAsDashboardUserAsync(2, TelemetrySetup.MetricsPath), "orepl_follower_records_applied_total").Sum() >= 200,
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
        await Poll.UntilAsync(() => Task.FromResult(observed.Collector.Received("orepl.follower.records.applied") && observed.Collector.Received("orepl.leader.ack.lag")),
            TimeSpan.FromSeconds(30), "OTLP exports naming the follower's and the leader's instruments");
    }

    /// <summary>The values of every sample of <paramref name="metric"/> (with or without labels) in a Prometheus text exposition.</summary>
    private static List<double> Samples(string exposition, string metric) =>
        [.. exposition.Split('\n')
            .Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) || line.StartsWith(metric + " ", StringComparison.Ordinal))
            .Select(line => line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0])
            .Select(value => double.Parse(value, System.Globalization.CultureInfo.InvariantCulture))];
}
