using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using OrleansRepl.Client.Cluster;

namespace OrleansRepl.Silo.Demo;

/// <summary>
/// <c>orepl-silo demo</c>: a replica set of silo processes on loopback and the embedded SQLite state, put through
/// its paces (see <see cref="DemoScript"/>), then left running for <c>--duration</c> seconds or until Ctrl-C.
/// Every silo is stopped on the way out, and each also stops by itself if the demo process dies.
/// </summary>
internal static class DemoCommand
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var duration = new Option<double?>("--duration") { Description = "Seconds to keep the cluster up after the tour; without it, until Ctrl-C." };
        var records = new Option<int>("--records") { Description = "Records to load at the start.", DefaultValueFactory = _ => 20_000 };
        var directory = new Option<string?>("--dir") { Description = "Work directory (default: a new temporary one, removed at the end)." };
        var keep = new Option<bool>("--keep") { Description = "Keep the work directory (stores, logs, SQLite) at the end." };
        var plaintext = new Option<bool>("--plaintext") { Description = "Run the silos without TLS (Tls:Plaintext=true), which each logs as a warning; by default a throwaway CA issues every node's certificate." };
        records.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 100 or > 10_000_000)
            {
                r.AddError($"--records must be 100..10000000, got {r.GetValueOrDefault<int>()}");
            }
        });
        duration.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is < 0)
            {
                r.AddError($"--duration must not be negative, got {r.GetValueOrDefault<double?>()}");
            }
        });
        var command = new RootCommand("Run a local demo cluster: 3 silos, load, a 4th node bootstrapped by snapshot, anti-entropy repair, promotion.")
        {
            duration, records, directory, keep, plaintext,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(duration), parse.GetValue(records), parse.GetValue(directory), parse.GetValue(keep), parse.GetValue(plaintext), cancellationToken));
        return await command.Parse(arguments).InvokeAsync();
    }

    private static async Task<int> RunAsync(double? duration, int records, string? directory, bool keep, bool plaintext, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        // A fresh private directory: a name someone else chose first (a predictable one under /tmp) is never reused.
        if (directory is not null && Path.Exists(directory))
        {
            await Console.Error.WriteLineAsync($"orepl-silo demo: {directory} already exists; name a directory that does not, and the demo creates it readable by you only");
            return 2;
        }

        var work = directory ?? Directory.CreateTempSubdirectory("orepl-demo-").FullName;
        var output = Console.Out;
        var exit = 0;
        var settings = plaintext ? new Dictionary<string, string> { ["Tls:Plaintext"] = "true" } : null;
        await using (var cluster = new DemoCluster(work, segmentRollBytes: 64 << 10, settings: settings))
        {
            try
            {
                await new DemoScript(cluster, output, records).RunAsync(stop.Token);
                await output.WriteLineAsync(duration is { } seconds
                    ? string.Create(CultureInfo.InvariantCulture, $"the cluster stays up for {seconds} s (Ctrl-C ends it sooner)")
                    : "the cluster stays up until Ctrl-C");
                await Task.Delay(duration is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan, stop.Token);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                await output.WriteLineAsync("stopping");
            }
            catch (Exception e) when (e is DemoStepException or ClusterUnavailableException or NotLeaderException || ClusterClient.IsUnreachable(e))
            {
                await Console.Error.WriteLineAsync($"orepl-silo demo: {e.Message} (logs in {work})");
                keep = true;
                exit = 1;
            }

            var running = cluster.Silos.Count(s => !s.HasExited); // the failover step killed one
            var unclean = await cluster.StopAllAsync();
            await output.WriteLineAsync(unclean == 0
                ? $"stopped {running} silos cleanly"
                : $"stopped {running} silos; {unclean} did not stop cleanly (killed after 20 s, or exited with an error: see their logs in {work})");
            exit = unclean == 0 ? exit : 1;
            keep |= unclean > 0;
        }

        if (keep)
        {
            await output.WriteLineAsync($"kept {work}");
        }
        else
        {
            Directory.Delete(work, recursive: true);
        }

        return exit;
    }
}
