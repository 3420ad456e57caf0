using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Cli.Storage;
using OrleansRepl.Core.Replication.AntiEntropy;

namespace OrleansRepl.Cli.Replication;

/// <summary><c>orepl sync</c>: pull the sealed segments this store lacks from a peer (anti-entropy).</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "The store to pull into (it must exist).", Required = true };
        var peer = new Option<string>("--peer") { Description = "The peer's IP:PORT (an orepl feed).", Required = true };
        var once = new Option<bool>("--once") { Description = "Run one cycle and exit: 0 when nothing is left pending, 1 otherwise." };
        var interval = new Option<int>("--interval") { Description = "Seconds between cycles without --once.", DefaultValueFactory = _ => 30 };
        var secretFile = ReplicationOptions.SecretFile();
        var transport = new TransportOptions();
        var cluster = ReplicationOptions.Cluster();
        var node = ReplicationOptions.Node("puller");
        var command = new Command("sync", "Pull the segments this store lacks from a peer, descending the segment-set tree where it differs.") { directory, peer, once, interval, secretFile, cluster, node };
        transport.AddTo(command);
        interval.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError($"--interval must be at least 1 second, got {r.GetValueOrDefault<int>()}");
            }
        });

        command.SetAction((parse, cancellationToken) => ReplicationOptions.RunAsync("sync", parse.InvocationConfiguration.Error, async () =>
        {
            var output = parse.InvocationConfiguration.Output;
            var peerEndPoint = ReplicationOptions.EndPoint(parse.GetValue(peer)!, "--peer");
            var credentials = ReplicationOptions.Credentials(parse, cluster, node, secretFile, transport);
            await using var store = StoreAccess.OpenExisting(parse.GetValue(directory)!);
            var options = new AntiEntropyOptions { Interval = TimeSpan.FromSeconds(parse.GetValue(interval)) };
            var loop = new AntiEntropyLoop(store, peerEndPoint, credentials, options, new FilePeerCursorStore(Path.Combine(store.Directory, "sync")), uploader: null, NullLogger<AntiEntropyLoop>.Instance);
            if (parse.GetValue(once))
            {
                var report = await loop.RunOnceAsync(cancellationToken);
                await output.WriteLineAsync(Describe(report));
                return report.Pending == 0 ? 0 : 1;
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = loop.RunAsync(stop.Token);
            AntiEntropyReport? shown = null;
            while (!running.IsCompleted)
            {
                await Task.WhenAny(running, Task.Delay(200, CancellationToken.None));
                if (loop.LastReport is { } report && !ReferenceEquals(report, shown))
                {
                    await output.WriteLineAsync(Describe(report));
                    await output.FlushAsync(CancellationToken.None);
                    shown = report;
                }
            }

            await running;
            return 0;
        }));
        return command;
    }

    private static string Describe(AntiEntropyReport report) => string.Create(CultureInfo.InvariantCulture,
        $"""
        peer {report.Peer}: {(report.InSync ? "in sync" : "roots differed")}; segments fetched {report.Applied + report.AlreadyHeld} ({report.Applied} applied, {report.AlreadyHeld} already held, {report.Resumed} resumed from the last cycle), {report.Pending} still pending
        metadata {report.MetadataBytes} bytes in {report.RoundTrips} round trips; segment data {report.SegmentBytes} bytes
        root before {report.LocalRootBefore}
        root after  {report.LocalRootAfter}
        peer root   {report.PeerRoot}
        """);
}
