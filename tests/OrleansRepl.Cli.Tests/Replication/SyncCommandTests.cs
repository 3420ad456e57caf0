using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Replication;

/// <summary><c>orepl sync --once</c> against a peer's feeder: what it fetched, what finding it cost, the roots.</summary>
public sealed class SyncCommandTests : IDisposable
{
    private const string Secret = "sync command test secret, long enough 0123456789";
    private readonly TempDirectory _directory = new();
    private readonly TestCertificates _ca = new();

    [Fact]
    public async Task OneCycle_PullsThePeersSegments_AndPrintsTheCountsAndTheRoots()
    {
        var options = new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never, SegmentRollBytes = 4096 };
        await using var peer = LogStore.Open(_directory.File("peer"), options);
        await peer.WriteAsync(Enumerable.Range(0, 500).Select(i => WriteOperation.Put(Utf8.Bytes($"k{i}"), new byte[40])).ToList());
        await peer.SealAllAsync();
        await using (LogStore.Open(_directory.File("local"), options))
        {
        }

        await using var feeder = new Feeder(peer, _ca.Secure(new NodeCredentials("orepl", "node-peer", ClusterSecret.FromBytes(Utf8.Bytes(Secret)))), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        string[] sync = ["sync", "--dir", _directory.File("local"), "--peer", feeder.EndPoint.ToString(), "--secret-file", SecretFile(), "--tls", _ca.Issue("local").Directory, "--once"];

        var (exitCode, output, error) = await CliRun.RunAsync(sync);
        Assert.True(exitCode == 0, error);
        var segments = peer.ListSegments().Count;
        Assert.Contains($"peer node-peer: roots differed; segments fetched {segments} ({segments} applied, 0 already held, 0 resumed from the last cycle), 0 still pending", output);
        Assert.Matches(@"metadata \d+ bytes in \d+ round trips; segment data [1-9]\d* bytes", output);
        Assert.Contains($"root after  {peer.MerkleRoot()}", output);
        Assert.Contains($"peer root   {peer.MerkleRoot()}", output);

        (exitCode, output, _) = await CliRun.RunAsync(sync);
        Assert.Equal(0, exitCode);
        Assert.Contains("peer node-peer: in sync; segments fetched 0", output);
        Assert.Contains("in 1 round trips", output);
    }

    [Fact]
    public async Task ADirectoryWithoutAStore_IsAnError_BeforeAnyConnection()
    {
        var (exitCode, _, error) = await CliRun.RunAsync(["sync", "--dir", _directory.File("none"), "--peer", "127.0.0.1:9", "--secret-file", SecretFile(), "--tls", _ca.Issue("local").Directory, "--once"]);
        Assert.Equal(1, exitCode);
        Assert.Equal($"orepl sync: {_directory.File("none")} holds no store (no STORE file)\n", error);
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }

    private string SecretFile() => _directory.WriteSecret("secret", Secret);
}
