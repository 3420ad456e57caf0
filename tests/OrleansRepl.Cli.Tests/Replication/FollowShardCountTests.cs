using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Replication;

/// <summary><c>orepl follow</c> takes a new store's shard count from the leader, and refuses one that disagrees before creating anything.</summary>
public sealed class FollowShardCountTests : IDisposable
{
    private const string Secret = "shard count test secret, long enough 0123456789";
    private readonly TempDirectory _directory = new();
    private readonly TestCertificates _ca = new();

    [Fact]
    public async Task ANewStore_TakesTheLeadersShardCount()
    {
        await using var leader = await LeaderAsync(shards: 3, records: 30);
        var follower = _directory.File("follower");

        var (exitCode, output, error) = await CliRun.RunAsync(["follow", "--dir", follower, "--leader", leader.EndPoint.ToString(), "--secret-file", SecretFile(), "--tls", _ca.Issue("follower").Directory, "--until-caught-up"]);
        Assert.True(exitCode == 0, error);
        Assert.Contains("caught up: 30 records applied", output);
        Assert.Equal(3, LogStore.StoredShardCount(follower));
    }

    [Fact]
    public async Task ShardsThatDisagreeWithTheLeader_AreRefused_AndNoStoreIsCreated()
    {
        await using var leader = await LeaderAsync(shards: 3, records: 5);
        var follower = _directory.File("follower");

        var (exitCode, _, error) = await CliRun.RunAsync(["follow", "--dir", follower, "--leader", leader.EndPoint.ToString(), "--secret-file", SecretFile(), "--tls", _ca.Issue("follower").Directory, "--shards", "2"]);
        Assert.Equal(1, exitCode);
        Assert.Equal("orepl follow: --shards 2 does not match the leader's 3 shards\n", error);
        Assert.False(Directory.Exists(follower));
    }

    [Fact]
    public async Task WithNoLeaderToAsk_ANewStoreNeedsShards()
    {
        using var unused = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        unused.Bind(new IPEndPoint(IPAddress.Loopback, 0)); // bound, never listening: connections are refused
        var follower = _directory.File("follower");

        var (exitCode, _, error) = await CliRun.RunAsync(["follow", "--dir", follower, "--leader", unused.LocalEndPoint!.ToString()!, "--secret-file", SecretFile(), "--tls", _ca.Issue("follower").Directory]);
        Assert.Equal(1, exitCode);
        Assert.Contains($"cannot learn the shard count for the new store in {follower} from the leader at {unused.LocalEndPoint}", error);
        Assert.Contains("start the leader first, or pass --shards", error);
        Assert.False(Directory.Exists(follower));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }

    private string SecretFile() => _directory.WriteSecret("secret", Secret);

    private async Task<Leader> LeaderAsync(int shards, int records)
    {
        var store = LogStore.Open(_directory.File("leader"), new StoreOptions { ShardCount = shards, Fsync = FsyncMode.Never });
        await store.WriteAsync(Enumerable.Range(0, records).Select(i => WriteOperation.Put(Utf8.Bytes($"k{i}"), Utf8.Bytes("v"))).ToList());
        var feeder = new Feeder(store, _ca.Secure(new NodeCredentials("orepl", "leader", ClusterSecret.FromBytes(Utf8.Bytes(Secret)))), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return new Leader(store, feeder);
    }

    private sealed class Leader(LogStore store, Feeder feeder) : IAsyncDisposable
    {
        public IPEndPoint EndPoint => feeder.EndPoint;

        public async ValueTask DisposeAsync()
        {
            await feeder.DisposeAsync();
            await store.DisposeAsync();
        }
    }
}
