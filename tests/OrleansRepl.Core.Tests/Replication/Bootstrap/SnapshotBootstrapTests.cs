using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.Bootstrap;

/// <summary>A new replica bootstrapped from a feeder's snapshot over loopback: install, verify, resume, expiry.</summary>
public sealed class SnapshotBootstrapTests : IDisposable
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes(Bytes("bootstrap tests shared secret 0123456789"));
    private static readonly BootstrapOptions Options = new() { CheckpointEvery = 1 << 20, RequestTimeout = TimeSpan.FromSeconds(10) };
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task ANewReplica_InstallsTheSnapshot_WithTheSourcesRoot_AndStreamsOnFromItsLsns()
    {
        await using var leader = await LeaderAsync(records: 20_000);
        using var snapshots = Source(leader);
        await using var feeder = Serve(leader, snapshots);
        var rootAtPin = await leader.StoreRootAsync();
        var progress = new List<SnapshotProgress>();

        using var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents"));
        // The staging directory of an earlier transfer, killed before it could be resumed: a fresh one removes it.
        var stale = Path.Combine(SnapshotPuller.WorkDirectory(_directory.File("replica")), "recv", "leader.snap-old.partial");
        Directory.CreateDirectory(Path.Combine(stale, "shard-000"));
        var result = await Puller(feeder.EndPoint, intents).RunAsync(_directory.File("replica"), StoreOptions(2), progress.Add, CancellationToken.None);
        Assert.False(Directory.Exists(stale), "a stale staging directory was left behind");

        Assert.Equal(rootAtPin, result.StoreRoot);
        Assert.Equal((0L, (string?)null, "leader"), (result.ResumedFrom, result.RestartReason, result.Source));
        Assert.Equal(Enumerable.Range(0, 4).Select(s => leader.NextLsn(s) - 1), result.ShardLsns);
        Assert.Equal(result.Bytes, progress[^1].BytesDone);
        Assert.Empty(await intents.ListUnfinishedAsync(default));

        // Writes after the snapshot reach the replica by streaming from the snapshot's LSNs.
        await leader.WriteAsync(Enumerable.Range(0, 500).Select(i => WriteOperation.Put(Bytes($"after-{i}"), Bytes("v"))).ToList());
        await using var replica = LogStore.Open(_directory.File("replica"), StoreOptions(2));
        Assert.Equal(result.ShardLsns, Enumerable.Range(0, 4).Select(s => replica.NextLsn(s) - 1));
        await FollowUntilCaughtUpAsync(replica, feeder.EndPoint);
        Assert.Equal(await leader.StoreRootAsync(), await replica.StoreRootAsync());
        Assert.Equal("v", Text(replica.Get(Bytes("after-499"))));
    }

    [Fact]
    public async Task AnInterruptedBootstrap_ResumesFromItsCheckpointUnderTheSameToken()
    {
        await using var leader = await LeaderAsync(records: 60_000);
        using var snapshots = Source(leader);
        await using var feeder = Serve(leader, snapshots);
        var target = _directory.File("replica");

        using (var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents")))
        {
            using var crash = new CancellationTokenSource();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Puller(feeder.EndPoint, intents).RunAsync(target, StoreOptions(2), p =>
            {
                if (p.BytesDone >= 3 << 20)
                {
                    crash.Cancel();
                }
            }, crash.Token));
            Assert.NotNull(Assert.Single(await intents.ListUnfinishedAsync(default)).LastCheckpoint?.SnapshotToken);
        }

        using (var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents")))
        {
            var result = await Puller(feeder.EndPoint, intents).RunAsync(target, StoreOptions(2), null, CancellationToken.None);
            Assert.True(result.ResumedFrom >= Options.CheckpointEvery, $"resumed from {result.ResumedFrom}"); // at least the first checkpoint
            Assert.Null(result.RestartReason);
            Assert.Single(snapshots.LiveTokens); // the same snapshot, not a second one
            Assert.Empty(await intents.ListUnfinishedAsync(default));
        }

        await using var replica = LogStore.Open(target, StoreOptions(2));
        Assert.Equal(await leader.StoreRootAsync(), await replica.StoreRootAsync());
    }

    [Fact]
    public async Task ABootstrapStoppedBeforeItsFirstCheckpoint_StartsFresh_ClosingTheOldIntent()
    {
        await using var leader = await LeaderAsync(records: 40_000);
        using var snapshots = Source(leader);
        await using var feeder = Serve(leader, snapshots);
        var target = _directory.File("replica");
        using var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents"));
        using var crash = new CancellationTokenSource();
        var never = new SnapshotPuller(feeder.EndPoint, Credentials("replica"), Options with { CheckpointEvery = 1L << 40 }, intents, NullLogger<SnapshotPuller>.Instance);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => never.RunAsync(target, StoreOptions(2), _ => crash.Cancel(), crash.Token));
        var stopped = Assert.Single(await intents.ListUnfinishedAsync(default));
        Assert.Null(stopped.LastCheckpoint);

        var result = await Puller(feeder.EndPoint, intents).RunAsync(target, StoreOptions(2), null, CancellationToken.None);
        Assert.Contains($"bootstrap {stopped.Intent} of replica stopped before its first checkpoint", result.RestartReason);
        Assert.Empty(await intents.ListUnfinishedAsync(default)); // the old intent was closed, the new one completed
        Assert.NotEqual(stopped.Intent, result.Intent);
    }

    [Fact]
    public async Task AnExpiredToken_RestartsTheTransferFromZero_AndSaysWhy()
    {
        await using var leader = await LeaderAsync(records: 40_000);
        using var snapshots = new SnapshotSource(leader, Credentials("leader"), new SnapshotSourceOptions { TokenLifetime = TimeSpan.FromMilliseconds(300), PieceBytes = 256 << 10 }, NullLogger<SnapshotSource>.Instance);
        await using var feeder = Serve(leader, snapshots);
        var target = _directory.File("replica");
        using var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents"));
        using var crash = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Puller(feeder.EndPoint, intents).RunAsync(target, StoreOptions(2), p =>
        {
            if (p.BytesDone >= 2 << 20)
            {
                crash.Cancel();
            }
        }, crash.Token));

        await Task.Delay(600); // past the token's lifetime
        var result = await Puller(feeder.EndPoint, intents).RunAsync(target, StoreOptions(2), null, CancellationToken.None);
        Assert.Contains("is unknown or expired at leader; start again from offset 0", result.RestartReason);
        await using var replica = LogStore.Open(target, StoreOptions(2));
        Assert.Equal(await leader.StoreRootAsync(), await replica.StoreRootAsync());
    }

    [Fact]
    public async Task PinsBeyondTheLimit_AreRefused_SayingWhy_AndAPinSentToItsEndIsReleasedSoon()
    {
        await using var leader = await LeaderAsync(records: 100);
        var finished = TimeSpan.FromSeconds(3); // long enough for the second pull to be refused while the first pin lives, on a busy machine
        using var snapshots = new SnapshotSource(leader, Credentials("leader"), new SnapshotSourceOptions { MaxLivePins = 1, FinishedPinLifetime = finished }, NullLogger<SnapshotSource>.Instance);
        await using var feeder = Serve(leader, snapshots);
        using (var first = FileBootstrapIntentLog.Open(_directory.File("one.intents")))
        {
            await Puller(feeder.EndPoint, first).RunAsync(_directory.File("one"), StoreOptions(2), null, CancellationToken.None);
        }

        using var second = FileBootstrapIntentLog.Open(_directory.File("two.intents"));
        var refused = await Assert.ThrowsAsync<RemoteErrorException>(() => Puller(feeder.EndPoint, second).RunAsync(_directory.File("two"), StoreOptions(2), null, CancellationToken.None));
        Assert.Contains("leader has 1 snapshots pinned, its limit; retry once one expires", refused.Message);
        Assert.False(Directory.Exists(_directory.File("two")));

        // The first was sent whole: its pin goes after FinishedPinLifetime, not after the 10-minute TokenLifetime.
        await Task.Delay(finished + TimeSpan.FromMilliseconds(200));
        using var third = FileBootstrapIntentLog.Open(_directory.File("three.intents"));
        var result = await Puller(feeder.EndPoint, third).RunAsync(_directory.File("three"), StoreOptions(2), null, CancellationToken.None);
        Assert.Equal(await leader.StoreRootAsync(), result.StoreRoot);
    }

    [Fact]
    public async Task ALeaderWhoseSealedSegmentIsDamaged_RefusesTheSnapshot_LeavingNoPinAndNothingInstalled()
    {
        await using var leader = await LeaderAsync(records: 20_000);
        var segment = leader.ListSegments()[0];
        var file = Path.Combine(leader.Directory, $"shard-{segment.Shard:D3}", "segments", $"{segment.Hash}.seg");
        using (var cut = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            cut.SetLength(segment.Bytes - 10);
        }

        using var snapshots = Source(leader);
        await using var feeder = Serve(leader, snapshots);
        using var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents"));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => Puller(feeder.EndPoint, intents).RunAsync(_directory.File("replica"), StoreOptions(2), null, CancellationToken.None));
        Assert.Contains($"holds {segment.Bytes - 10} bytes where its manifest entry declares {segment.Bytes}", refused.Message);
        Assert.Empty(snapshots.LiveTokens);
        Assert.Empty(Directory.GetDirectories(SnapshotPuller.WorkDirectory(_directory.File("replica")), "*.partial", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(_directory.File("replica")));
    }

    [Theory]
    [InlineData("cap")]
    [InlineData("space")]
    public async Task ASnapshotLargerThanTheCapOrTheFreeSpace_IsRefusedFromItsFirstPiece_AndNothingIsWritten(string limit)
    {
        await using var leader = await LeaderAsync(records: 20_000);
        using var snapshots = Source(leader);
        await using var feeder = Serve(leader, snapshots);
        var work = _directory.File("small-disk");
        Directory.CreateDirectory(work);
        using var disk = limit == "space" ? new TmpfsMount(work, SnapshotSink.Headroom(0) + (1 << 20)) : null;
        using var intents = FileBootstrapIntentLog.Open(_directory.File("capped.intents"));
        var options = limit == "cap" ? Options with { MaxSnapshotBytes = 1 << 20 } : Options;
        var puller = new SnapshotPuller(feeder.EndPoint, Credentials("replica"), options, intents, NullLogger<SnapshotPuller>.Instance);

        var error = await Assert.ThrowsAsync<SnapshotTooLargeException>(() => puller.RunAsync(Path.Combine(work, "replica"), StoreOptions(2), null, CancellationToken.None));
        Assert.Matches(limit == "cap"
            ? @"declares \d+ bytes, more than the 1048576 this node takes \(Bootstrap:MaxSnapshotBytes\); nothing was written"
            : @"declares \d+ bytes; with 67108864 bytes of headroom it needs \d+, but .+ has \d+ free; nothing was written", error.Message);
        Assert.Empty(Directory.GetDirectories(SnapshotPuller.WorkDirectory(Path.Combine(work, "replica")), "*.partial", SearchOption.AllDirectories));
        Assert.False(Directory.Exists(Path.Combine(work, "replica")));
    }

    [Theory]
    [InlineData("rate")]
    [InlineData("deadline")]
    public async Task ASourceThatTricklesItsPieces_EachInTime_IsDroppedAtTheMinimumProgressRate_OrItsDeadline(string limit)
    {
        await using var leader = await LeaderAsync(records: 100);
        var exported = new MemoryStream();
        var info = await leader.ExportSnapshotAsync(exported);
        var snapshot = exported.ToArray();

        // A hand-made source: it proves the secret, then sends a real snapshot ten bytes at a time, each piece well
        // within RequestTimeout, so only the progress rate can tell it from a slow but honest one.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var serving = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var socket = await listener.AcceptSocketAsync(stop.Token);
                await using var connection = FrameConnection.Over(socket);
                await Handshake.AcceptAsync(connection, Credentials("leader"), stop.Token);
                var request = await connection.ReadAsync<Core.Protocol.Messages.SnapshotRequest>(stop.Token);
                try
                {
                    for (var offset = (int)request.Offset; offset + 10 < snapshot.Length; offset += 10)
                    {
                        var envelope = new SnapshotEnvelope("orepl", "leader", "trickle", info.ShardLsns, snapshot.Length, info.StoreRoot, offset, snapshot.AsMemory(offset, 10), Done: false);
                        await connection.SendAsync(new Core.Protocol.Messages.SnapshotPiece(envelope), stop.Token);
                        await Task.Delay(50, stop.Token);
                    }
                }
                catch (Exception e) when (e is ProtocolException or IOException or System.Threading.Channels.ChannelClosedException)
                {
                    // The puller gave up on this attempt.
                }
            }
        });

        using var intents = FileBootstrapIntentLog.Open(_directory.File("trickle.intents"));
        var options = limit == "rate"
            ? Options with { ProgressWindow = TimeSpan.FromMilliseconds(500), MaxAttempts = 2 }
            : Options with { ProgressWindow = TimeSpan.FromHours(1), AttemptDeadline = TimeSpan.FromMilliseconds(700), MaxAttempts = 2 };
        var puller = new SnapshotPuller((IPEndPoint)listener.LocalEndpoint, Credentials("replica"), options, intents, NullLogger<SnapshotPuller>.Instance);
        var error = await Assert.ThrowsAsync<TransferTooSlowException>(() => puller.RunAsync(_directory.File("trickled"), StoreOptions(2), null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(limit == "rate" ? "less than the 1048576 it must in" : "past its deadline of 1 s (Bootstrap:AttemptDeadline)", error.Message);
        Assert.Contains("the next attempt resumes at offset", error.Message);
        Assert.False(Directory.Exists(_directory.File("trickled")));
        await stop.CancelAsync();
        listener.Stop();
        await serving.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task ADirectoryThatAlreadyHoldsAStore_IsNotOverwritten()
    {
        await using var leader = await LeaderAsync(records: 10);
        using var snapshots = Source(leader);
        await using var feeder = Serve(leader, snapshots);
        await using (LogStore.Open(_directory.File("replica"), StoreOptions(2)))
        {
        }

        using var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents"));
        var refused = await Assert.ThrowsAsync<StoreArgumentException>(() => Puller(feeder.EndPoint, intents).RunAsync(_directory.File("replica"), StoreOptions(2), null, CancellationToken.None));
        Assert.Contains("already holds a 4-shard store; a bootstrap installs only where there is none", refused.Message);
    }

    public void Dispose() => _directory.Dispose();

    private static NodeCredentials Credentials(string node) => new("c", node, Secret);

    private static StoreOptions StoreOptions(ulong origin) => new() { ShardCount = 4, Fsync = FsyncMode.Never, SegmentRollBytes = 512 << 10, NodeOrigin = origin };

    private async Task<LogStore> LeaderAsync(int records)
    {
        var store = LogStore.Open(_directory.File("leader"), StoreOptions(1));
        for (var from = 0; from < records; from += 5000)
        {
            await store.WriteAsync(Enumerable.Range(from, Math.Min(5000, records - from)).Select(i => WriteOperation.Put(Bytes($"key-{i}"), new byte[100])).ToList());
        }

        return store;
    }

    private SnapshotSource Source(LogStore store) =>
        new(store, Credentials("leader"), new SnapshotSourceOptions { PieceBytes = 256 << 10 }, NullLogger<SnapshotSource>.Instance);

    private static Feeder Serve(LogStore store, SnapshotSource snapshots)
    {
        var feeder = new Feeder(store, Credentials("leader"), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance, snapshots);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return feeder;
    }

    private static SnapshotPuller Puller(IPEndPoint source, IBootstrapIntentLog intents) =>
        new(source, Credentials("replica"), Options, intents, NullLogger<SnapshotPuller>.Instance);

    private async Task FollowUntilCaughtUpAsync(LogStore replica, IPEndPoint leader)
    {
        var cursors = new FileCursorStore(_directory.File("cursors"));
        var followers = Enumerable.Range(0, replica.ShardCount).Select(shard => new Follower(replica, shard, leader, Credentials("replica"), new StreamingOptions(), cursors, () => 1, NullLogger<Follower>.Instance)).ToList();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var run = Task.WhenAll(followers.Select(f => f.RunAsync(stop.Token)));
        await Task.WhenAll(followers.Select(f => f.CaughtUp)).WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await run;
    }
}
