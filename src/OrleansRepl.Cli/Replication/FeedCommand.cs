using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OrleansRepl.Cli.Storage;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Cli.Replication;

/// <summary><c>orepl feed</c>: serve every shard of a store to followers until stopped.</summary>
internal static class FeedCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "The store to serve.", Required = true };
        var listen = new Option<string>("--listen") { Description = "IP:PORT to listen on (port 0: any free port, printed).", Required = true };
        var secretFile = ReplicationOptions.SecretFile();
        var transport = new TransportOptions();
        var cluster = ReplicationOptions.Cluster();
        var node = ReplicationOptions.Node("leader");
        var generate = new Option<long>("--generate") { Description = "Write this many new records while serving (live tests).", DefaultValueFactory = _ => 0 };
        var rate = new Option<int>("--rate") { Description = "Records per second for --generate.", DefaultValueFactory = _ => 1000 };
        var command = new Command("feed", "Serve a store's shards to followers, its snapshots to new replicas and its segments to anti-entropy pullers, until stopped (Ctrl-C or SIGTERM).") { directory, listen, secretFile, cluster, node, generate, rate };
        transport.AddTo(command);
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError($"--rate must be at least 1 record per second, got {r.GetValueOrDefault<int>()}");
            }
        });

        command.SetAction((parse, cancellationToken) => ReplicationOptions.RunAsync("feed", parse.InvocationConfiguration.Error, async () =>
        {
            var endPoint = ReplicationOptions.EndPoint(parse.GetValue(listen)!, "--listen", anyPort: true);
            var credentials = ReplicationOptions.Credentials(parse, cluster, node, secretFile, transport, serves: true);
            await using var store = StoreAccess.Open(parse.GetValue(directory)!, newShardCount: 4, FsyncMode.Interval);
            // To stderr: what the snapshot source does (pins, sends, expiries, how long reading the store took), and the
            // feeder's warnings and errors (a failed accept, say).
            using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .SetMinimumLevel(LogLevel.Warning).AddFilter(typeof(SnapshotSource).FullName, LogLevel.Information));
            using var snapshots = new SnapshotSource(store, credentials, new SnapshotSourceOptions(), logging.CreateLogger<SnapshotSource>());
            await using var feeder = new Feeder(store, credentials, new StreamingOptions(), () => 1, logging.CreateLogger<Feeder>(), snapshots);
            feeder.Start(endPoint);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"feeding {store.ShardCount} shards of {store.Directory} on {feeder.EndPoint}");
            await parse.InvocationConfiguration.Output.FlushAsync(cancellationToken);

            var generating = parse.GetValue(generate) > 0
                ? GenerateAsync(store, parse.GetValue(generate), parse.GetValue(rate), parse.InvocationConfiguration.Output, cancellationToken)
                : Task.CompletedTask;
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            await generating.ContinueWith(_ => { }, TaskScheduler.Default);
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// Writes records gen-0, gen-1, … at about <paramref name="rate"/> per second, in batches of a tenth of a
    /// second, then says so on <paramref name="output"/>: after that line the leader's log no longer grows.
    /// </summary>
    private static async Task GenerateAsync(LogStore store, long count, int rate, TextWriter output, CancellationToken cancellationToken)
    {
        var perTick = Math.Max(1, rate / 10);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        for (long written = 0; written < count && await timer.WaitForNextTickAsync(cancellationToken);)
        {
            var batch = new List<WriteOperation>();
            for (var i = 0; i < perTick && written < count; i++, written++)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"gen-{written}");
                batch.Add(WriteOperation.Put(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(key + " value")));
            }

            await store.WriteAsync(batch, cancellationToken);
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"generated {count} records"));
        await output.FlushAsync(cancellationToken);
    }
}
