using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using OrleansRepl.Silo.Demo;

namespace OrleansRepl.Silo.Chaos;

/// <summary>
/// <c>orepl-silo chaos</c>: a 3-node replica set on loopback and the embedded SQLite state, under load, through
/// <c>--cycles</c> SIGKILLs of a follower, a bootstrap target or an anti-entropy puller (see <see cref="ChaosRun"/>).
/// Prints cycles, acknowledged writes, lost, duplicated and partial files (each must be 0), and the time; exits 1 otherwise.
/// </summary>
internal static class ChaosCommand
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var cycles = new Option<int>("--cycles") { Description = "Crash-and-restart cycles.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random choices (victim, kind, moment).", DefaultValueFactory = _ => 1 };
        var directory = new Option<string?>("--dir") { Description = "Work directory (default: a new temporary one); must not exist." };
        var keep = new Option<bool>("--keep") { Description = "Keep the work directory (stores, logs, SQLite) at the end." };
        cycles.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 100_000)
            {
                r.AddError($"--cycles must be 1..100000, got {r.GetValueOrDefault<int>()}");
            }
        });
        var command = new RootCommand("Crash followers, bootstrap targets and anti-entropy pullers of a loaded 3-node cluster, then check nothing acknowledged was lost.")
        {
            cycles, seed, directory, keep,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(cycles), parse.GetValue(seed), parse.GetValue(directory), parse.GetValue(keep), cancellationToken));
        return await command.Parse(arguments).InvokeAsync();
    }

    private static async Task<int> RunAsync(int cycles, int seed, string? directory, bool keep, CancellationToken cancellationToken)
    {
        if (directory is not null && Path.Exists(directory))
        {
            await Console.Error.WriteLineAsync($"orepl-silo chaos: {directory} already exists; name a directory that does not");
            return 2;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        var work = directory ?? Directory.CreateTempSubdirectory("orepl-chaos-").FullName;
        var settings = new Dictionary<string, string> { ["Silo:ProbeTimeoutSeconds"] = "1", ["Silo:Dashboard"] = "false" };
        ChaosReport report;
        await using (var cluster = new DemoCluster(work, segmentRollBytes: 64 << 10, settings: settings))
        {
            try
            {
                report = await new ChaosRun(cluster, Console.Out, cycles, seed).RunAsync(stop.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync($"orepl-silo chaos: the run broke off: {e.GetType().Name}: {e.Message}; the silos' logs are in {work}");
                return 1;
            }

            await cluster.StopAllAsync();
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"chaos: {report.Cycles} cycles ({report.FollowerKills} following, {report.BootstrapKills} mid-bootstrap, {report.AntiEntropyKills} mid-anti-entropy), {report.Acknowledged} writes acknowledged, lost {report.Lost}, duplicated {report.Duplicated}, partial files {report.PartialFiles}, in {report.Elapsed.TotalSeconds:F0} s"));
        if (!keep && report.Clean)
        {
            Directory.Delete(work, recursive: true);
        }
        else if (!report.Clean)
        {
            Console.WriteLine($"the work directory is kept for inspection: {work}");
        }

        return report.Clean ? 0 : 1;
    }
}
