using System.Diagnostics;
using System.Text.RegularExpressions;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Replication;

/// <summary>
/// <c>orepl feed --generate</c> keeps writing while a separate <c>orepl follow</c> process streams; once the
/// writes stop, the follower reaches the leader's last record within a bounded time and the roots are equal.
/// </summary>
public sealed partial class FeedFollowLiveTests : IDisposable
{
    private const int Preloaded = 20_000;
    private const int Generated = 4_000;

    /// <summary>What orepl exits with once SIGTERM has cancelled its work and it has shut down (128 + 15).</summary>
    private const int StoppedBySigterm = 143;
    private readonly TempDirectory _directory = new();
    private readonly TestCertificates _ca = new();

    [Fact]
    public async Task LiveWrites_ReachAFollowerProcess_AndTheRootsConverge()
    {
        var secretFile = _directory.WriteSecret("secret", "live test cluster secret, long enough 0123456789\n");
        var leader = _directory.File("leader");
        var follower = _directory.File("follower");
        await using (var store = LogStore.Open(leader, new StoreOptions { ShardCount = 3, Fsync = FsyncMode.Never }))
        {
            await store.WriteAsync(Enumerable.Range(0, Preloaded).Select(i => WriteOperation.Put(Utf8.Bytes($"pre-{i}"), new byte[64])).ToList());
        }

        using var feed = Orepl.Start(["feed", "--dir", leader, "--listen", "127.0.0.1:0", "--secret-file", secretFile, "--tls", _ca.Issue("leader").Directory, "--generate", $"{Generated}", "--rate", "4000"]);
        try
        {
            var feeding = await ReadLineMatchingAsync(feed, FeedingOn(), TimeSpan.FromSeconds(30));
            using var following = Orepl.Start(["follow", "--dir", follower, "--leader", feeding.Groups["endpoint"].Value, "--secret-file", secretFile, "--tls", _ca.Issue("follower").Directory]);
            try
            {
                // The follower learned the shard count (3) from the leader: no --shards given.
                await ReadLineMatchingAsync(feed, new Regex($"^generated {Generated} records$"), TimeSpan.FromSeconds(60));
                var writesStopped = Stopwatch.StartNew();
                await ReadLineMatchingAsync(following, new Regex($"^applied {Preloaded + Generated} records"), TimeSpan.FromSeconds(30));
                Assert.True(writesStopped.Elapsed < TimeSpan.FromSeconds(30), $"the follower took {writesStopped.Elapsed} to reach the leader's end");
            }
            finally
            {
                await StopAsync(following);
            }

            Assert.Equal(StoppedBySigterm, following.ExitCode);
        }
        finally
        {
            await StopAsync(feed);
        }

        Assert.Equal(StoppedBySigterm, feed.ExitCode);
        await using var leaderStore = LogStore.Open(leader, new StoreOptions { ShardCount = 3 });
        await using var followerStore = LogStore.Open(follower, new StoreOptions { ShardCount = 3 });
        Assert.Equal(await leaderStore.StoreRootAsync(), await followerStore.StoreRootAsync());
        Assert.Equal(Utf8.Bytes($"gen-{Generated - 1} value"), followerStore.Get(Utf8.Bytes($"gen-{Generated - 1}")));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }

    [GeneratedRegex(@"^feeding \d+ shards of .+ on (?<endpoint>127\.0\.0\.1:\d+)$")]
    private static partial Regex FeedingOn();

    /// <summary>Reads <paramref name="process"/>'s output until a line matches, failing at the deadline with what it printed.</summary>
    private static async Task<Match> ReadLineMatchingAsync(Process process, Regex pattern, TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var seen = new List<string>();
        try
        {
            while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            {
                seen.Add(line);
                if (pattern.Match(line) is { Success: true } match)
                {
                    return match;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        Assert.Fail($"no line matched {pattern} within {deadline}; the process printed: {string.Join(" | ", seen.TakeLast(10))}");
        return null!;
    }

    /// <summary>SIGTERM, as an operator would stop it, then a bounded wait; SIGKILL only if that fails.</summary>
    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            ExternalTool.Run("kill", ["-TERM", $"{process.Id}"]);
        }

        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw;
        }
    }
}
