using System.CommandLine;
using System.Runtime.InteropServices;
using OrleansRepl.Silo.Demo;

namespace OrleansRepl.Silo.Bench;

/// <summary>
/// <c>orepl-silo failover-bench</c>: a 3-node replica set on loopback as shipped (TLS, embedded SQLite state), measured
/// in one run (see <see cref="FailoverBench"/>): write latency and throughput at acks 0, 1 and 2; follower lag at a steady
/// write rate; and the time from a leader's SIGKILL to writes acknowledged again.
/// </summary>
internal static class FailoverBenchCommand
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var seconds = new Option<int>("--seconds") { Description = "How long each measured phase runs.", DefaultValueFactory = _ => 10 };
        var writers = new Option<int>("--writers") { Description = "Concurrent single-key writers in the acks phases.", DefaultValueFactory = _ => 16 };
        var rate = new Option<int>("--rate") { Description = "Records a second in the steady phase, sent as 100 batches a second.", DefaultValueFactory = _ => 100_000 };
        var lease = new Option<int>("--lease-ms") { Description = "The replica set's lease.", DefaultValueFactory = _ => Grains.Topology.LeaseLength.DefaultMilliseconds };
        foreach (var (option, low, high) in new[] { (seconds, 2, 600), (writers, 1, 256), (rate, 100, 10_000_000), (lease, Grains.Topology.LeaseLength.MinMilliseconds, Grains.Topology.LeaseLength.MaxMilliseconds) })
        {
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() < low || r.GetValueOrDefault<int>() > high)
                {
                    r.AddError($"{option.Name} must be {low}..{high}, got {r.GetValueOrDefault<int>()}");
                }
            });
        }

        var settings = new Option<string[]>("--set") { Description = "A silo setting Key=Value for every node, for experiments (repeatable), as --set Replication:Fsync=interval.", AllowMultipleArgumentsPerToken = false };
        settings.Validators.Add(r =>
        {
            foreach (var pair in r.GetValueOrDefault<string[]>() ?? [])
            {
                if (pair.IndexOf('=', StringComparison.Ordinal) <= 0)
                {
                    r.AddError($"--set takes Key=Value, got \"{pair}\"");
                }
            }
        });
        var command = new RootCommand("Measure acknowledged writes, follower lag and failover on a 3-node cluster.") { seconds, writers, rate, lease, settings };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });
            var work = Directory.CreateTempSubdirectory("orepl-failover-").FullName;
            var ok = false;
            try
            {
                var extra = (parse.GetValue(settings) ?? []).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
                await using var cluster = new DemoCluster(work, segmentRollBytes: 64 << 20, settings: extra);
                var bench = new FailoverBench(cluster, Console.Out, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(writers), parse.GetValue(rate), parse.GetValue(lease), extra);
                ok = await bench.RunAsync(stop.Token);
                await cluster.StopAllAsync();
                return ok ? 0 : 1;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"orepl-silo failover-bench: the run broke off: {e.GetType().Name}: {e.Message}; the silos' logs are in {work}");
                return 1;
            }
            finally
            {
                if (ok)
                {
                    Directory.Delete(work, recursive: true);
                }
            }
        });
        return await command.Parse(arguments).InvokeAsync();
    }
}
