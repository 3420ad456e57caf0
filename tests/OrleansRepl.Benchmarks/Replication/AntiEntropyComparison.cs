using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Benchmarks.Replication;

/// <summary>
/// One anti-entropy pull between two stores of SEGMENTS small sealed segments each that differ in DIFFERING
/// segments, over loopback through a real feeder. Measured in the same run: the tree descent, and the
/// full-manifest listing a naive puller does (the same loop told to list the root outright). Prints the metadata
/// bytes and wall time of each, and their ratios. Targets: descent metadata ≤ 64 KiB, wall &lt; 1 s.
/// </summary>
public static class AntiEntropyComparison
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes("anti-entropy benchmark secret, 0123456789abcdef"u8.ToArray());

    public static async Task<int> RunAsync(string[] args)
    {
        var segments = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var differing = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        if (segments < 1 || differing < 1 || rounds < 1)
        {
            Console.Error.WriteLine($"usage: anti-entropy [SEGMENTS >= 1] [DIFFERING >= 1] [ROUNDS >= 1]; got {segments}, {differing}, {rounds}");
            return 2;
        }

        var work = Directory.CreateTempSubdirectory("orepl-ae-bench-");
        try
        {
            var options = new StoreOptions { ShardCount = 16, Fsync = FsyncMode.Never, SegmentRollBytes = 4096 };
            var built = Stopwatch.StartNew();
            var template = Path.Combine(work.FullName, "template");
            await using (var store = LogStore.Open(template, options))
            {
                await WriteSegmentsAsync(store, "shared", segments);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"built a store of {segments} sealed segments in {built.Elapsed.TotalSeconds:F1} s"));
            var descent = new List<AntiEntropyReport>();
            var listing = new List<AntiEntropyReport>();
            var descentSeconds = new List<double>();
            var listingSeconds = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var (mode, reports, seconds, threshold) in new[] { ("descent", descent, descentSeconds, 64), ("listing", listing, listingSeconds, Core.Protocol.Messages.SegmentList.MaxHashes) })
                {
                    var (report, elapsed) = await PullAsync(work.FullName, template, options, differing, threshold, $"{mode}-{round}");
                    if (report.Applied != differing || report.Pending != 0 || report.LocalRootAfter != report.PeerRoot)
                    {
                        Console.Error.WriteLine($"{mode} round {round} did not converge: applied {report.Applied} of {differing}, {report.Pending} pending");
                        return 1;
                    }

                    reports.Add(report);
                    seconds.Add(elapsed);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: descent {descent[^1].MetadataBytes} B in {descentSeconds[^1] * 1000:F0} ms ({descent[^1].RoundTrips} round trips); listing {listing[^1].MetadataBytes} B in {listingSeconds[^1] * 1000:F0} ms"));
            }

            var (dBytes, lBytes) = (Samples.Median(descent.Select(r => (double)r.MetadataBytes)), Samples.Median(listing.Select(r => (double)r.MetadataBytes)));
            var (dTime, lTime) = (Samples.Median(descentSeconds), Samples.Median(listingSeconds));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{segments} segments per side, {differing} differing, {rounds} rounds, medians; roots equal after every pull"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"descent (ours)          metadata {dBytes,9:F0} B   wall {dTime * 1000,7:F1} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"full listing metadata {lBytes,9:F0} B   wall {lTime * 1000,7:F1} ms"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio (listing / descent): metadata {lBytes / dBytes:F1}x, wall {lTime / dTime:F2}x; targets: descent metadata <= 65536 B ({(dBytes <= 65536 ? "met" : "NOT met")}), wall < 1 s ({(dTime < 1 ? "met" : "NOT met")})"));
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Copies the template to a puller and a peer, gives the peer DIFFERING segments of its own, and times one pull.</summary>
    private static async Task<(AntiEntropyReport Report, double Seconds)> PullAsync(string work, string template, StoreOptions options, int differing, int listThreshold, string name)
    {
        var local = Path.Combine(work, $"{name}-local");
        var remote = Path.Combine(work, $"{name}-peer");
        TempDirectory.CopyStore(template, local);
        TempDirectory.CopyStore(template, remote);
        try
        {
            await using var peer = LogStore.Open(remote, options with { NodeOrigin = 2 });
            await WriteSegmentsAsync(peer, name, differing);
            await using var store = LogStore.Open(local, options with { NodeOrigin = 1 });
            await using var feeder = new Feeder(peer, new NodeCredentials("bench", "peer", Secret), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
            feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
            var loop = new AntiEntropyLoop(store, feeder.EndPoint, new NodeCredentials("bench", "local", Secret), new AntiEntropyOptions { ListThreshold = listThreshold },
                new FilePeerCursorStore(Path.Combine(local, "sync")), null, NullLogger<AntiEntropyLoop>.Instance);

            var clock = Stopwatch.StartNew();
            var report = await loop.RunOnceAsync(CancellationToken.None);
            return (report, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            Directory.Delete(local, recursive: true);
            Directory.Delete(remote, recursive: true);
        }
    }

    /// <summary>One sealed segment per record: a 4 KiB value fills a 4 KiB segment, so each write rolls it.</summary>
    private static async Task WriteSegmentsAsync(LogStore store, string prefix, int count)
    {
        var value = new byte[4096];
        for (var i = 0; i < count; i += 1000)
        {
            await store.WriteAsync(Enumerable.Range(i, Math.Min(1000, count - i)).Select(n => WriteOperation.Put(System.Text.Encoding.UTF8.GetBytes($"{prefix}-{n}"), value)).ToList());
        }
    }
}
