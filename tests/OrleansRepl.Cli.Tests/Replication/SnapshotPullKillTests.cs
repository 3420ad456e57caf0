using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Replication;

/// <summary><c>orepl snapshot pull</c> of a 256 MiB snapshot is SIGKILLed five times; every restart resumes, and the replica ends identical.</summary>
public sealed partial class SnapshotPullKillTests : IDisposable
{
    private const string Secret = "snapshot kill test secret, long enough 0123456789";
    private readonly TempDirectory _directory = new();
    private readonly TestCertificates _ca = new();

    [Fact]
    public async Task ASinkKilledFiveTimes_ResumesEachTime_AndInstallsTheSourcesRoot()
    {
        var options = new StoreOptions { ShardCount = 4, Fsync = FsyncMode.Never, SegmentRollBytes = 16 << 20 };
        await using var leader = LogStore.Open(_directory.File("leader"), options);
        var value = new byte[4000];
        for (var i = 0; i < 65_536; i += 4096)
        {
            await leader.WriteAsync(Enumerable.Range(i, 4096).Select(n => WriteOperation.Put(Utf8.Bytes($"key-{n}"), value)).ToList());
        }

        var credentials = _ca.Secure(new NodeCredentials("orepl", "leader", ClusterSecret.FromBytes(Utf8.Bytes(Secret))));
        using var snapshots = new SnapshotSource(leader, credentials, new SnapshotSourceOptions(), NullLogger<SnapshotSource>.Instance);
        await using var feeder = new Feeder(leader, credentials, new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance, snapshots);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        var replica = _directory.File("replica");
        string[] pull = ["snapshot", "pull", "--from", feeder.EndPoint.ToString(), "--dir", replica, "--secret-file", _directory.WriteSecret("secret", Secret), "--tls", _ca.Issue("replica").Directory];

        var random = new Random(5);
        var resumedOffsets = new List<long>();
        for (var kill = 0; kill < 5; kill++)
        {
            using var process = Orepl.Start(pull);
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (Resumed().Match(first ?? "") is { Success: true } resumed)
            {
                resumedOffsets.Add(long.Parse(resumed.Groups["offset"].Value, System.Globalization.CultureInfo.InvariantCulture));
            }

            // Kill somewhere after the transfer has started: after one to three progress lines, plus a random
            // delay. The first kill waits for two lines (25 MiB, past the first 8 MiB checkpoint), so every
            // restart has something to resume.
            for (var lines = kill == 0 ? 2 : random.Next(1, 4); lines > 0; lines--)
            {
                await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }

            await Task.Delay(random.Next(0, 150));
            process.Kill(); // SIGKILL
            await process.WaitForExitAsync();
            Assert.Equal(128 + 9, process.ExitCode);
        }

        using var last = Orepl.Start(pull);
        var output = await last.StandardOutput.ReadToEndAsync();
        await last.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(last.ExitCode == 0, $"the last pull exited {last.ExitCode}: {output}{await last.StandardError.ReadToEndAsync()}");
        if (Resumed().Match(output.Split('\n')[0]) is { Success: true } final)
        {
            resumedOffsets.Add(long.Parse(final.Groups["offset"].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        // Every restart after the first checkpoint resumed at an offset past zero, and never went backwards by more than a checkpoint.
        Assert.True(resumedOffsets.Count == 5, $"{resumedOffsets.Count} of 5 restarts resumed: {string.Join(", ", resumedOffsets)}\n{output}");
        Assert.All(resumedOffsets, offset => Assert.True(offset > 0));
        Assert.Contains($"root {await leader.StoreRootAsync()} verified", output);
        Assert.Single(snapshots.LiveTokens); // one snapshot, pinned once, resumed throughout

        await using var installed = LogStore.Open(replica, options);
        Assert.Equal(await leader.StoreRootAsync(), await installed.StoreRootAsync());
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }

    [GeneratedRegex(@"^resuming snapshot (?<token>\S+) from offset (?<offset>\d+)$")]
    private static partial Regex Resumed();
}
