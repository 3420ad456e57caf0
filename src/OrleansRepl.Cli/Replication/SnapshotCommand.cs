using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage;
using Spectre.Console;

namespace OrleansRepl.Cli.Replication;

/// <summary><c>orepl snapshot pull</c>: bootstrap a new replica from a running <c>orepl feed</c>, resumably.</summary>
internal static class SnapshotCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = "The source's IP:PORT (an orepl feed).", Required = true };
        var directory = new Option<string>("--dir") { Description = "Where to install the store; it must hold none yet.", Required = true };
        var secretFile = ReplicationOptions.SecretFile();
        var transport = new TransportOptions();
        var cluster = ReplicationOptions.Cluster();
        var node = ReplicationOptions.Node("replica");
        var pull = new Command("pull", "Bootstrap a new replica from a source's snapshot; run again after an interruption to resume.") { from, directory, secretFile, cluster, node };
        transport.AddTo(pull);
        pull.SetAction((parse, cancellationToken) => ReplicationOptions.RunAsync("snapshot pull", parse.InvocationConfiguration.Error, async () =>
        {
            var output = parse.InvocationConfiguration.Output;
            var source = ReplicationOptions.EndPoint(parse.GetValue(from)!, "--from");
            var credentials = ReplicationOptions.Credentials(parse, cluster, node, secretFile, transport);
            var target = Path.GetFullPath(parse.GetValue(directory)!);
            using var intents = FileBootstrapIntentLog.Open(Path.Combine(SnapshotPuller.WorkDirectory(target), "intents.log"));
            var puller = new SnapshotPuller(source, credentials, new BootstrapOptions(), intents, NullLogger<SnapshotPuller>.Instance);
            var storeOptions = new StoreOptions { Fsync = FsyncMode.Always };

            void Started(BootstrapStart start)
            {
                output.WriteLine(start.Token is null
                    ? $"pulling a new snapshot from {start.Source}{(start.RestartReason is null ? "" : $" ({start.RestartReason})")}"
                    : string.Create(CultureInfo.InvariantCulture, $"resuming snapshot {start.Token} from offset {start.Offset}"));
                output.Flush();
            }

            BootstrapResult result;
            if (Console.IsOutputRedirected)
            {
                var lines = new LineProgress(output);
                result = await puller.RunAsync(target, storeOptions, lines.Report, cancellationToken, Started);
            }
            else
            {
                result = null!;
                await AnsiConsole.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                    .StartAsync(async context =>
                    {
                        var bar = context.AddTask("snapshot", autoStart: true, maxValue: 1);
                        result = await puller.RunAsync(target, storeOptions, p =>
                        {
                            bar.MaxValue = Math.Max(p.TotalBytes, 1);
                            bar.Value = p.BytesDone;
                        }, cancellationToken, Started);
                        bar.Value = bar.MaxValue;
                    });
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bootstrapped {target} from {result.Source}: {result.Bytes} bytes in {result.Elapsed.TotalSeconds:F2} s ({result.MegabytesPerSecond:F1} MB/s){(result.ResumedFrom > 0 ? $", resumed from offset {result.ResumedFrom}" : "")}; root {result.StoreRoot} verified"));
            await output.WriteLineAsync(Breakdown(result));
            return 0;
        }));

        return new Command("snapshot", "Snapshot bootstrap of new replicas.") { pull };
    }

    /// <summary>
    /// Where the time went: the transfer (first piece to last) and how much of it was spent waiting for the source;
    /// beside it, on the receiving side, writing, hashing, decoding records and fsync; then renaming into place.
    /// </summary>
    private static string Breakdown(BootstrapResult result)
    {
        var t = result.Timings;
        return string.Create(CultureInfo.InvariantCulture,
            $"time: transfer {result.LastTransfer.TotalSeconds:F2} s (waiting for the source {result.WaitingForSource.TotalSeconds:F2} s); beside it write {t?.Write.TotalSeconds:F2} s, hash {t?.Hash.TotalSeconds:F2} s, records {t?.Records.TotalSeconds:F2} s, fsync {t?.Fsync.TotalSeconds:F2} s, verification stalls {t?.Stalled.TotalSeconds:F2} s; install {result.Install.TotalSeconds:F2} s");
    }

    /// <summary>Progress as a line per tenth of the snapshot, for logs and pipes.</summary>
    private sealed class LineProgress(TextWriter output)
    {
        private long _lastTenth = -1;

        public void Report(SnapshotProgress progress)
        {
            var tenth = progress.TotalBytes == 0 ? 10 : progress.BytesDone * 10 / progress.TotalBytes;
            if (tenth != _lastTenth)
            {
                _lastTenth = tenth;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"received {progress.BytesDone} of {progress.TotalBytes} bytes"));
                output.Flush();
            }
        }
    }
}
