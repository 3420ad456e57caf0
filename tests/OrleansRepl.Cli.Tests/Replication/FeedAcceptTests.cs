using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Replication;

/// <summary>An <c>orepl feed</c> whose process runs out of file descriptors keeps its listener, and serves again once some are free.</summary>
public sealed partial class FeedAcceptTests : IDisposable
{
    private const string Secret = "accept test secret, long enough 0123456789";
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AFeedOutOfFileDescriptors_SaysSo_AndServesAFollowerOnceTheyAreFree()
    {
        var store = _directory.File("leader");
        await using (var leader = LogStore.Open(store, new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never }))
        {
            await leader.WriteAsync(Enumerable.Range(0, 500).Select(i => WriteOperation.Put(Utf8.Bytes($"key-{i}"), Utf8.Bytes("value"))).ToList());
        }

        var secret = _directory.Write("secret", Secret);
        string[] feed = ["-c", "ulimit -n 200 && exec \"$@\"", "bash", ExternalTool.Resolve("dotnet"), Path.Combine(AppContext.BaseDirectory, "orepl.dll"),
            "feed", "--dir", store, "--listen", "127.0.0.1:0", "--secret-file", secret];
        using var process = ExternalTool.Start(ExternalTool.Resolve("bash"), feed);
        try
        {
            var listening = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            var endPoint = IPEndPoint.Parse(Listening().Match(listening ?? "").Groups["endpoint"].Value);

            // Connections that never say a word, until accepting one more needs a descriptor the process does not have.
            // They come from ten loopback addresses, 30 each: within the feeder's share for one address, so they are
            // admitted (and hold descriptors) rather than refused.
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

                string? line;
                while ((line = await process.StandardError.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null && !line.Contains("accepting a connection on", StringComparison.Ordinal))
                {
                }

                Assert.Contains("TooManyOpenSockets", line);
                Assert.Contains("accepting again in", line);
            }
            finally
            {
                flood.ForEach(s => s.Dispose());
            }

            var follow = Orepl.Run(["follow", "--dir", _directory.File("follower"), "--leader", endPoint.ToString(), "--secret-file", secret, "--until-caught-up"]);
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
}
