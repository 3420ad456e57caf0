using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.Streaming;

/// <summary>A leader's record of its followers' acknowledged LSNs, alone and fed by real followers over loopback.</summary>
public sealed class ReplicaProgressTests : IDisposable
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes(Bytes("replica progress tests secret 0123456789"));
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AWait_EndsWhenEnoughFollowersAcknowledge_OrAtItsTimeoutWithTheCount()
    {
        var progress = new ReplicaProgress();
        progress.Acknowledged(0, "n2", epoch: 1, lsn: 10);

        var waiting = progress.WaitAsync(0, 1, 10, replicas: 2, TimeSpan.FromSeconds(10), CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        progress.Acknowledged(0, "n3", epoch: 1, lsn: 9); // not far enough
        progress.Acknowledged(1, "n3", epoch: 1, lsn: 10); // another shard
        progress.Acknowledged(0, "n4", epoch: 2, lsn: 10); // another epoch: a log that may have been rolled back since
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        progress.Acknowledged(0, "n3", epoch: 1, lsn: 12);
        Assert.Equal(2, await waiting.WaitAsync(TimeSpan.FromSeconds(5)));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(1, await progress.WaitAsync(0, 1, 11, replicas: 3, TimeSpan.FromMilliseconds(300), CancellationToken.None)); // only n3 reached 11
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Equal(2, progress.Count(0, 1, 10));
        Assert.Equal(new Dictionary<string, long> { ["n2"] = 10, ["n3"] = 12 }, progress.Of(0, 1));
    }

    [Fact]
    public async Task AcksFromRealFollowers_AreCounted_AndAStoppedFollowerLeavesAWriteShort()
    {
        var options = new StoreOptions { ShardCount = 1, Fsync = FsyncMode.Always };
        await using var leader = LogStore.Open(_directory.File("leader"), options with { NodeOrigin = 1 });
        var progress = new ReplicaProgress();
        await using var feeder = new Feeder(leader, new NodeCredentials("c", "leader", Secret), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance, progress: progress);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        await using var f1 = LogStore.Open(_directory.File("f1"), options with { NodeOrigin = 2 });
        await using var f2 = LogStore.Open(_directory.File("f2"), options with { NodeOrigin = 3 });
        using var stopF1 = new CancellationTokenSource();
        using var stopF2 = new CancellationTokenSource();
        var run1 = Follow(f1, "f1", feeder.EndPoint, stopF1.Token);
        var run2 = Follow(f2, "f2", feeder.EndPoint, stopF2.Token);

        await leader.WriteAsync([WriteOperation.Put(Bytes("a"), Bytes("1"))]);
        var first = leader.NextLsn(0) - 1;
        Assert.Equal(2, await progress.WaitAsync(0, 1, first, 2, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal(Bytes("1"), f1.Get(Bytes("a")));
        Assert.Equal(Bytes("1"), f2.Get(Bytes("a")));

        await stopF2.CancelAsync();
        await run2;
        await leader.WriteAsync([WriteOperation.Put(Bytes("b"), Bytes("2"))]);
        var second = leader.NextLsn(0) - 1;
        Assert.Equal(1, await progress.WaitAsync(0, 1, second, 2, TimeSpan.FromSeconds(1), CancellationToken.None));
        Assert.Null(f2.Get(Bytes("b")));
        Assert.Equal(first, progress.Of(0, 1)["f2"]);

        await stopF1.CancelAsync();
        await run1;
    }

    private Task Follow(LogStore store, string node, IPEndPoint leader, CancellationToken stop) =>
        new Follower(store, 0, leader, new NodeCredentials("c", node, Secret), new StreamingOptions(), new FileCursorStore(_directory.File($"cursors-{node}")), () => 1, NullLogger<Follower>.Instance).RunAsync(stop);

    public void Dispose() => _directory.Dispose();
}
