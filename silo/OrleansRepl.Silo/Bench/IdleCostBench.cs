using System.Diagnostics;
using System.Globalization;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Silo.Demo;

namespace OrleansRepl.Silo.Bench;

/// <summary>
/// What the Orleans Dashboard costs an idle silo nobody watches: a one-node replica set (added, so its workers and
/// lease keeper run as in a cluster) started once per variant, left idle for a warm-up, then its process's CPU time
/// (user and system, from <c>/proc</c>) measured over a window. The variants run one after another on the same
/// machine: the dashboard off (the peer), on as shipped, and on with its counters sampled every second (Orleans' default
/// interval; the profiler's idle timeout follows the same setting).
/// </summary>
internal sealed class IdleCostBench(TextWriter output, TimeSpan warmUp, TimeSpan window)
{
    private static readonly (string Name, Dictionary<string, string> Settings)[] Variants =
    [
        ("dashboard off", new() { ["Silo:Dashboard"] = "false" }),
        ("dashboard on, as shipped", new() { ["Silo:Dashboard"] = "true" }),
        ("dashboard on, counters every second (Orleans' default interval)", new() { ["Silo:Dashboard"] = "true", ["Silo:DashboardSampleSeconds"] = "1" }),
    ];

    public async Task RunAsync(string work, CancellationToken cancellationToken)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one idle silo (a one-node replica set, TLS, SQLite state), nobody viewing; {warmUp.TotalSeconds:0} s warm-up, then CPU over {window.TotalSeconds:0} s; {Environment.ProcessorCount} cores"));
        double? off = null;
        for (var variant = 0; variant < Variants.Length; variant++)
        {
            var (name, settings) = Variants[variant];
            var share = await MeasureAsync(Path.Combine(work, string.Create(CultureInfo.InvariantCulture, $"v{variant}")), settings, cancellationToken);
            off ??= share;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-76} {share * 100,6:F2} % of a core{(share == off ? "" : $"   (+{(share - off.Value) * 100:F2} points over off)")}"));
        }
    }

    private async Task<double> MeasureAsync(string directory, IReadOnlyDictionary<string, string> settings, CancellationToken cancellationToken)
    {
        await using var cluster = new DemoCluster(directory, 64 << 20, settings: settings);
        var silo = await cluster.StartAsync("n1", TimeSpan.FromSeconds(120), cancellationToken);
        await using (var client = await cluster.ConnectAsync(silo.Gateway, cancellationToken: cancellationToken))
        {
            await client.ReplicaSetGrain.AddNodeAsync("n1", await client.ReplicationAddressOfAsync("n1", cancellationToken), (await client.Grains.Node("n1").GetStatusAsync()).ShardCount);
        }

        await Task.Delay(warmUp, cancellationToken);
        using var process = Process.GetProcessById(silo.ProcessId);
        var before = process.TotalProcessorTime; // user and system time, read from /proc
        var clock = Stopwatch.StartNew();
        await Task.Delay(window, cancellationToken);
        process.Refresh();
        var used = process.TotalProcessorTime - before;
        await cluster.StopAllAsync();
        return used.TotalSeconds / clock.Elapsed.TotalSeconds;
    }
}
