using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Replication;

/// <summary>
/// An <c>orepl feed</c> with few file descriptors: it serves no more connections than its descriptor budget, refuses
/// the rest of a flood without running out, and serves a follower once the flood is gone.
/// </summary>
public sealed partial class FeedAcceptTests : IDisposable
{
    private const string Secret = "accept test secret, long enough 0123456789";
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AFeedWithFewDescriptors_ServesWithinItsBudget_RefusesTheRestOfAFlood_AndServesAFollowerAfter()
    {
        var store = _directory.File("leader");
        await using (var leader = LogStore.Open(store, new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never }))
        {
            await leader.WriteAsync(Enumerable.Range(0, 500).Select(i => WriteOperation.Put(Utf8.Bytes($"key-{i}"), Utf8.Bytes("value"))).ToList());
        }

        var secret = _directory.WriteSecret("secret", Secret);
        string[] feed = ["-c", "ulimit -n 200 && exec \"$@\"", "bash", ExternalTool.Resolve("dotnet"), Path.Combine(AppContext.BaseDirectory, "orepl.dll"),
            "feed", "--dir", store, "--listen", "127.0.0.1:0", "--secret-file", secret, "--plaintext"]; // the flood's raw sockets read the refusals as frames
        using var process = ExternalTool.Start(ExternalTool.Resolve("bash"), feed);
        try
        {
            var listening = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var endPoint = IPEndPoint.Parse(Listening().Match(listening ?? "").Groups["endpoint"].Value);
            var said = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _ = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync() is { } line)
                {
                    said.Enqueue(line);
                    if (line.Contains("refused a connection from", StringComparison.Ordinal))
                    {
                        refused.TrySetResult();
                    }
                }
            });
            string Said() => $"the feed said:\n{string.Join('\n', said)}";

            // 300 connections that never say a word, from ten loopback addresses: more than 200 descriptors could hold.
            var flood = new List<Socket>();
            try
            {
                for (var i = 0; i < 300; i++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    flood.Add(socket);
                    socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.0.{2 + (i % 10)}"), 0));
                    await socket.ConnectAsync(endPoint);
                }

                await refused.Task.WaitAsync(TimeSpan.FromSeconds(60));
                await Task.Delay(TimeSpan.FromSeconds(2)); // the flood holds on: the feed must stay within its budget meanwhile
                Assert.False(process.HasExited, Said());
                var budget = Budget().Match(string.Join('\n', said));
                Assert.True(budget.Success, Said());
                Assert.InRange(int.Parse(budget.Groups["connections"].Value, System.Globalization.CultureInfo.InvariantCulture), 1, 200 - 64);
                Assert.Contains("its limit (MaxConnections, or the file-descriptor budget)", Said(), StringComparison.Ordinal);
                Assert.DoesNotContain("TooManyOpenSockets", Said(), StringComparison.Ordinal);
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n{Said()}");
            }
            finally
            {
                flood.ForEach(s => s.Dispose());
            }

            // The flood's connections end as the feed reads their close; until then a new one may be told to try again later.
            var follow = Orepl.Run(["follow", "--dir", _directory.File("follower"), "--leader", endPoint.ToString(), "--secret-file", secret, "--until-caught-up", "--plaintext"]);
            for (var attempt = 0; attempt < 10 && follow.ExitCode != 0 && follow.StandardError.Contains("try again later", StringComparison.Ordinal); attempt++)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                follow = Orepl.Run(["follow", "--dir", _directory.File("follower"), "--leader", endPoint.ToString(), "--secret-file", secret, "--until-caught-up", "--plaintext"]);
            }

            Assert.True(follow.ExitCode == 0, $"the follower exited {follow.ExitCode}: {follow.StandardError}");
            Assert.Contains("caught up", follow.StandardOutput);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public void Dispose() => _directory.Dispose();

    [GeneratedRegex(@"on (?<endpoint>127\.0\.0\.1:\d+)$")]
    private static partial Regex Listening();

    [GeneratedRegex(@"may open 200 files \(ulimit -n\) and has \d+ open: the feeder serves at most (?<connections>\d+) connections, not MaxConnections 512")]
    private static partial Regex Budget();
}
