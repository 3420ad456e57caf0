using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Benchmarks.Replication;

/// <summary>
/// A snapshot of about MIB MiB pulled over loopback by <see cref="SnapshotPuller"/> (frames, CRC-32C, checkpoints
/// fsynced every 8 MiB, the partial file fsynced and renamed), against the same bytes copied over a plain socket
/// into a file that is fsynced once at the end, in the same run. The ratio compares the transfers (first byte to
/// durable file); pinning (the export on the source) and installing are printed beside it.
/// </summary>
public static class SnapshotComparison
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes("snapshot benchmark secret, 0123456789abcdef"u8.ToArray());

    public static async Task<int> RunAsync(string[] args)
    {
        var mib = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1024;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        if (mib < 1 || rounds < 1)
        {
            Console.Error.WriteLine($"usage: snapshot [MIB >= 1] [ROUNDS >= 1]; got {mib}, {rounds}");
            return 2;
        }

        var work = Directory.CreateTempSubdirectory("orepl-snapshot-bench-");
        try
        {
            var options = new StoreOptions { ShardCount = 4, Fsync = FsyncMode.Interval };
            await using var leader = LogStore.Open(Path.Combine(work.FullName, "leader"), options);
            var value = new byte[4000];
            Random.Shared.NextBytes(value);
            var records = (int)((long)mib * 1024 * 1024 / (value.Length + 50));
            for (var i = 0; i < records; i += 4096)
            {
                await leader.WriteAsync(Enumerable.Range(i, Math.Min(4096, records - i)).Select(n => WriteOperation.Put(BitConverter.GetBytes(n), value)).ToList());
            }

            var plainSource = Path.Combine(work.FullName, "plain.snap");
            await using (var file = File.Create(plainSource))
            {
                await leader.ExportSnapshotAsync(file);
            }

            var bytes = new FileInfo(plainSource).Length;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"snapshot of {bytes / 1048576.0:F0} MiB ({records} records of {value.Length} B)"));
            var credentials = new NodeCredentials("bench", "source", Secret);
            using var snapshots = new SnapshotSource(leader, Path.Combine(work.FullName, "pins"), credentials, new SnapshotSourceOptions { TokenLifetime = TimeSpan.FromSeconds(1) }, NullLogger<SnapshotSource>.Instance);
            await using var feeder = new Feeder(leader, credentials, new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance, snapshots);
            feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));

            var ours = new List<double>();
            var plain = new List<double>();
            var endToEnd = new List<double>();
            var installs = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var target = Path.Combine(work.FullName, $"replica-{round}");
                using (var intents = FileBootstrapIntentLog.Open(Path.Combine(work.FullName, $"intents-{round}.log")))
                {
                    var puller = new SnapshotPuller(feeder.EndPoint, new NodeCredentials("bench", $"replica-{round}", Secret), new BootstrapOptions(), intents, NullLogger<SnapshotPuller>.Instance);
                    var result = await puller.RunAsync(target, options with { Fsync = FsyncMode.Always }, null, CancellationToken.None);
                    if (result.StoreRoot != await leader.StoreRootAsync())
                    {
                        Console.Error.WriteLine($"round {round}: installed root {result.StoreRoot} is not the leader's");
                        return 1;
                    }

                    ours.Add(result.Bytes / 1e6 / result.LastTransfer.TotalSeconds);
                    endToEnd.Add(result.Bytes / 1e6 / result.Elapsed.TotalSeconds);
                    installs.Add(result.Install.TotalSeconds);
                }

                Directory.Delete(target, recursive: true);
                Directory.Delete(SnapshotPuller.WorkDirectory(target), recursive: true);
                plain.Add(bytes / 1e6 / await PlainCopyAsync(plainSource, Path.Combine(work.FullName, "plain-copy")));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: snapshot transfer {ours[^1]:F0} MB/s (end to end with pin and install {endToEnd[^1]:F0} MB/s, install {installs[^1]:F2} s); plain socket copy {plain[^1]:F0} MB/s"));
            }

            var (o, p) = (Samples.Median(ours), Samples.Median(plain));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rounds} rounds, medians, fsync on both sides, roots verified"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"snapshot transfer (ours)          {o,8:F0} MB/s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"plain socket copy + fsync         {p,8:F0} MB/s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio (ours / plain): {o / p:F2}  (target >= 0.8: {(o / p >= 0.8 ? "met" : "NOT met")}); end to end incl. pinning and install: {Samples.Median(endToEnd):F0} MB/s"));
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>The peer: the same bytes through a loopback socket into a file, fsynced once. Returns seconds.</summary>
    private static async Task<double> PlainCopyAsync(string source, string destination)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var serving = Task.Run(async () =>
        {
            using var server = await listener.AcceptSocketAsync();
            await using var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            var buffer = new byte[1 << 20];
            int read;
            while ((read = await input.ReadAsync(buffer)) > 0)
            {
                await server.SendAsync(buffer.AsMemory(0, read));
            }

            server.Shutdown(SocketShutdown.Send);
        });

        var clock = Stopwatch.StartNew();
        using (var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await client.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
            await using var output = new FileStream(destination, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
            var buffer = new byte[1 << 20];
            int received;
            while ((received = await client.ReceiveAsync(buffer)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, received));
            }

            await output.FlushAsync();
            output.Flush(flushToDisk: true);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await serving;
        File.Delete(destination);
        return seconds;
    }
}
