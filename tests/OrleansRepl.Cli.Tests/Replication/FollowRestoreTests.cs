using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Replication;

/// <summary>A replica that shares nothing with its leader needs a restore: <c>orepl follow</c> says so, and with <c>--restore</c> does it.</summary>
public sealed class FollowRestoreTests : IDisposable
{
    private const string Secret = "restore test secret, long enough 0123456789";
    private readonly TempDirectory _directory = new();
    private readonly TestCertificates _ca = new();

    [Fact]
    public async Task ADivergedReplica_IsReported_AndWithRestore_SetAsideAndBootstrapped()
    {
        var options = new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never };
        await using var leader = LogStore.Open(_directory.File("leader"), options with { NodeOrigin = 1 });
        await leader.WriteAsync(Enumerable.Range(0, 2000).Select(i => WriteOperation.Put(Utf8.Bytes($"leader-{i}"), Utf8.Bytes("l"))).ToList());
        var replica = _directory.File("replica");
        await using (var diverged = LogStore.Open(replica, options with { NodeOrigin = 2 }))
        {
            await diverged.WriteAsync(Enumerable.Range(0, 50).Select(i => WriteOperation.Put(Utf8.Bytes($"only-here-{i}"), Utf8.Bytes("mine"))).ToList());
        }

        var credentials = _ca.Secure(new NodeCredentials("orepl", "leader", ClusterSecret.FromBytes(Utf8.Bytes(Secret))));
        using var snapshots = new SnapshotSource(leader, credentials, new SnapshotSourceOptions(), NullLogger<SnapshotSource>.Instance);
        await using var feeder = new Feeder(leader, credentials, new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance, snapshots);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        string[] follow = ["follow", "--dir", replica, "--leader", feeder.EndPoint.ToString(), "--secret-file", _directory.WriteSecret("secret", Secret), "--tls", _ca.Issue("follower").Directory, "--until-caught-up"];

        var (exitCode, _, error) = await CliRun.RunAsync(follow).WaitAsync(TimeSpan.FromMinutes(1)); // ends; never waits for a shard that cannot catch up
        Assert.Equal(1, exitCode);
        Assert.Contains("NeedsRestore", error);
        Assert.Contains("(run with --restore to bootstrap from the leader)", error);

        (exitCode, var output, error) = await CliRun.RunAsync([.. follow, "--restore"]).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, error);
        Assert.Contains("needs a restore", output);
        Assert.Contains($"root {await leader.StoreRootAsync()} verified; following again", output);
        Assert.Contains("caught up:", output);

        await using var restored = LogStore.Open(replica, options);
        Assert.Equal(await leader.StoreRootAsync(), await restored.StoreRootAsync());
        var aside = Assert.Single(Directory.GetDirectories(_directory.Path, "replica.diverged-*"));
        await using var kept = LogStore.Open(aside, options); // nothing of the diverged replica is lost
        Assert.Equal(Utf8.Bytes("mine"), kept.Get(Utf8.Bytes("only-here-49")));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }
}
