using System.Diagnostics.Metrics;
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

/// <summary>
/// Feeder and followers over real loopback sockets, on real stores. Not run beside other tests: its metrics test
/// listens to the process-wide follower meter, which any other test's followers would add to.
/// </summary>
[Collection(ProcessWideMetrics.Name)]
public sealed class StreamingTests : IDisposable
{
    private const int Shards = 4;
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes(Bytes("streaming tests shared secret 0123456789"));
    private static readonly StreamingOptions Fast = new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(200),
        ReconnectBase = TimeSpan.FromMilliseconds(50),
        ReconnectCap = TimeSpan.FromMilliseconds(500),
        MaxBatchRecords = 500,
        CursorSaveEvery = 1000,
    };

    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task FreshFollowers_CatchUpEveryShard_AndTheRootsAreEqual()
    {
        await using var leader = Store("leader", 1);
        await WriteAsync(leader, "k", 0, 20_000);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);

        var (followers, run, stop) = StartFollowers(follower, feeder.EndPoint);
        await Task.WhenAll(followers.Select(f => f.CaughtUp)).WaitAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await run;

        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
        Assert.Equal(20_000 + leader.ListSegments().Count, followers.Sum(f => f.AppliedTotal)); // every record once, seals included
        Assert.All(followers, f => Assert.Equal(FollowerState.Stopped, f.State));
        Assert.NotNull(await new FileCursorStore(Path.Combine(_directory.Path, "cursors")).LoadAsync(0, CancellationToken.None));
    }

    [Fact]
    public async Task AFreshFollower_CatchesUpAMillionRecordsOnFourShards_AndTheRootsAreEqual()
    {
        // The benchmark's shape (bench/catchup.sh): 16-byte keys, 100-byte values, fsync=interval, default streaming options.
        var options = new StoreOptions { ShardCount = Shards, Fsync = FsyncMode.Interval };
        await using var leader = LogStore.Open(Path.Combine(_directory.Path, "leader"), options with { NodeOrigin = 1 });
        var value = new byte[100];
        for (var from = 0; from < 1_000_000; from += 10_000)
        {
            await leader.WriteAsync(Enumerable.Range(from, 10_000).Select(i => WriteOperation.Put(Bytes($"key-{i:D12}"), value)).ToList());
        }

        await using var follower = LogStore.Open(Path.Combine(_directory.Path, "follower"), options with { NodeOrigin = 2 });
        var feeder = new Feeder(leader, new NodeCredentials("c", "leader", Secret), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        await using var _ = feeder;
        var cursors = new FileCursorStore(Path.Combine(_directory.Path, "cursors"));
        var followers = Enumerable.Range(0, Shards).Select(shard => new Follower(follower, shard, feeder.EndPoint,
            new NodeCredentials("c", "follower", Secret), new StreamingOptions(), cursors, () => 1, NullLogger<Follower>.Instance)).ToList();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var run = Task.WhenAll(followers.Select(f => f.RunAsync(stop.Token)));

        await Task.WhenAll(followers.Select(f => f.CaughtUp)).WaitAsync(TimeSpan.FromMinutes(2));
        await stop.CancelAsync();
        await run;

        var logged = Enumerable.Range(0, Shards).Sum(s => leader.NextLsn(s) - 1);
        Assert.True(logged >= 1_000_000, $"the leader logged {logged} records");
        Assert.Equal(logged, followers.Sum(f => f.AppliedTotal)); // every record once: nothing repeated, nothing lost
        Assert.All(Enumerable.Range(0, Shards), s => Assert.Equal(leader.NextLsn(s), follower.NextLsn(s)));
        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
    }

    [Fact]
    public async Task ALeaderShardWithNoRecords_StillReportsCaughtUp()
    {
        await using var leader = Store("leader", 1);
        var keys = Enumerable.Range(0, 100).Select(i => Bytes($"k-{i}")).Where(k => leader.ShardOf(k) != 1).Take(5).ToList();
        await leader.WriteAsync(keys.ConvertAll(k => WriteOperation.Put(k, Bytes("v"))));
        Assert.Equal(1, leader.NextLsn(1));
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);

        var (followers, run, stop) = StartFollowers(follower, feeder.EndPoint);
        await Task.WhenAll(followers.Select(f => f.CaughtUp)).WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await run;
        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
    }

    [Fact]
    public async Task ADamagedCursorFile_DoesNotStopTheFollower_AndIsRewrittenWhole()
    {
        await using var leader = Store("leader", 1);
        await WriteAsync(leader, "k", 0, 2000);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);
        var cursors = Path.Combine(_directory.Path, "cursors");
        Directory.CreateDirectory(cursors);
        await File.WriteAllTextAsync(Path.Combine(cursors, "cursor-000.json"), "{\"LastAppliedLsn\": 12, \"Appl");
        Assert.Contains("is damaged", (await Assert.ThrowsAsync<InvalidDataException>(() => new FileCursorStore(cursors).LoadAsync(0, CancellationToken.None).AsTask())).Message);

        var (followers, run, stop) = StartFollowers(follower, feeder.EndPoint);
        await Task.WhenAll(followers.Select(f => f.CaughtUp)).WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await run;

        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
        Assert.Equal(leader.NextLsn(0) - 1, (await new FileCursorStore(cursors).LoadAsync(0, CancellationToken.None))!.LastAppliedLsn);
    }

    [Fact]
    public async Task LiveWrites_ReachTheFollower_AndTheRootsConverge()
    {
        await using var leader = Store("leader", 1);
        await WriteAsync(leader, "k", 0, 1000);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);
        var (followers, run, stop) = StartFollowers(follower, feeder.EndPoint);
        await Task.WhenAll(followers.Select(f => f.CaughtUp)).WaitAsync(TimeSpan.FromSeconds(30));

        await WriteAsync(leader, "live", 0, 3000);
        await ConvergedAsync(leader, follower);
        await stop.CancelAsync();
        await run;
        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
        Assert.Equal("live value 2999", Text(follower.Get(Bytes("live-2999"))));
    }

    [Fact]
    public async Task DroppedConnections_Resume_WithNothingLostOrRepeated()
    {
        await using var leader = Store("leader", 1);
        await WriteAsync(leader, "k", 0, 30_000);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);
        var (followers, run, stop) = StartFollowers(follower, feeder.EndPoint);

        for (var cut = 0; cut < 5; cut++)
        {
            await Task.Delay(30);
            feeder.DropConnections();
        }

        await ConvergedAsync(leader, follower);
        await stop.CancelAsync();
        await run;
        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
        Assert.True(followers.Sum(f => f.Reconnects) > 0, "no follower ever reconnected; the cuts were not exercised");
    }

    [Fact]
    public async Task ACorruptedByteOnTheWire_IsRejectedByTheFrameChecksum_NothingFromItApplied_AndTheFollowerRecovers()
    {
        await using var leader = Store("leader", 1);
        await WriteAsync(leader, "k", 0, 20_000);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);
        await using var proxy = new FaultProxy(feeder.EndPoint) { CorruptAtByte = 300_000 }; // inside the batches
        proxy.Start();

        var (followers, run, stop) = StartFollowers(follower, proxy.EndPoint);
        await ConvergedAsync(leader, follower);
        await stop.CancelAsync();
        await run;

        Assert.Equal(1, proxy.Corrupted);
        Assert.Contains(followers, f => f.Reconnects > 0 && f.LastError!.Contains("fails its checksum"));
        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
    }

    [Fact]
    public async Task ConnectionsCutAtRandomPoints_Resume_AndTheRootsEndEqual()
    {
        await using var leader = Store("leader", 1);
        await WriteAsync(leader, "k", 0, 30_000);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);
        await using var proxy = new FaultProxy(feeder.EndPoint) { CutsRemaining = 8, MaxBytesBeforeCut = 300_000 };
        proxy.Start();

        var (followers, run, stop) = StartFollowers(follower, proxy.EndPoint);
        await ConvergedAsync(leader, follower);
        await stop.CancelAsync();
        await run;

        Assert.True(proxy.Cut >= 4, $"only {proxy.Cut} connections were cut");
        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
    }

    [Fact]
    public async Task Metrics_CountEveryAppliedRecordAndByte_AndLagFallsToZero()
    {
        long records = 0;
        long bytes = 0;
        var lag = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == FollowerMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "orepl.follower.records.applied": Interlocked.Add(ref records, value); break;
                case "orepl.follower.data.applied": Interlocked.Add(ref bytes, value); break;
                case "orepl.follower.lag.records": lock (lag) { lag[instrument.Name] = Math.Max(lag.GetValueOrDefault(instrument.Name), value); } break;
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => { lock (lag) { lag[instrument.Name] = Math.Max(lag.GetValueOrDefault(instrument.Name), value); } });
        listener.Start();

        await using var leader = Store("leader", 1);
        await WriteAsync(leader, "k", 0, 5000);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);
        var (followers, run, stop) = StartFollowers(follower, feeder.EndPoint);
        await Task.WhenAll(followers.Select(f => f.CaughtUp)).WaitAsync(TimeSpan.FromSeconds(30));
        listener.RecordObservableInstruments();

        Assert.Equal(followers.Sum(f => f.AppliedTotal), Interlocked.Read(ref records));
        var written = Enumerable.Range(0, 5000).Sum(i => (long)(Bytes($"k-{i}").Length + Bytes($"k value {i}").Length));
        Assert.Equal(written, Interlocked.Read(ref bytes));
        Assert.True(lag.ContainsKey("orepl.follower.lag.records") && lag.ContainsKey("orepl.follower.lag.time"), "the lag gauges reported nothing");
        Assert.Equal(0, lag["orepl.follower.lag.records"]);
        Assert.Equal(0, lag["orepl.follower.lag.time"]);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task ARecordNoFrameCanCarry_IsReported_NotShippedOrSkipped()
    {
        var small = Fast with { MaxFrameLength = 64 << 10, MaxBatchBytes = 16 << 10 };
        await using var leader = Store("leader", 1);
        var key = Enumerable.Range(0, 100).Select(i => Bytes($"k{i}")).First(k => leader.ShardOf(k) == 0);
        await leader.PutAsync(key, new byte[100_000]);
        await using var follower = Store("follower", 2);
        var feeder = new Feeder(leader, new NodeCredentials("c", "leader", Secret), small, () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        await using var _ = feeder;
        var stuck = new Follower(follower, 0, feeder.EndPoint, new NodeCredentials("c", "follower", Secret), small,
            new FileCursorStore(Path.Combine(_directory.Path, "cursors")), () => 1, NullLogger<Follower>.Instance);

        using var stop = new CancellationTokenSource();
        var run = stuck.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (stuck.LastError?.Contains("more than one frame may carry", StringComparison.Ordinal) != true && DateTime.UtcNow < deadline) // retried until the feeder says why
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await run;
        var size = RecordCodec.EncodedLength(LogRecord.Put(1, default, key, new byte[100_000]));
        Assert.Contains($"shard 0: the record at LSN 1 takes {size} bytes, more than one frame may carry (frame of {size + 13} bytes exceeds the 65536-byte limit)", stuck.LastError);
        Assert.Equal(1, follower.NextLsn(0));
    }

    [Fact]
    public async Task ALeaderThatAcceptsButNeverSpeaks_IsGivenUpOn_AndRetried()
    {
        using var silent = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var accepted = new List<System.Net.Sockets.Socket>();
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                accepted.Add(await silent.AcceptSocketAsync());
            }
        });
        await using var follower = Store("follower", 2);
        var waiting = new Follower(follower, 0, (IPEndPoint)silent.LocalEndpoint, new NodeCredentials("c", "follower", Secret), Fast,
            new FileCursorStore(Path.Combine(_directory.Path, "cursors")), () => 1, NullLogger<Follower>.Instance);

        using var stop = new CancellationTokenSource();
        var run = waiting.RunAsync(stop.Token);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (waiting.Reconnects < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await run;
        silent.Stop();
        accepted.ForEach(s => s.Dispose());
        Assert.True(waiting.Reconnects >= 2, $"the follower retried {waiting.Reconnects} times in 20 s against a silent leader (dead after {Fast.DeadAfter})");
        Assert.Contains($"did not complete the handshake within {Fast.DeadAfter.TotalSeconds:F1} s", waiting.LastError);
        Assert.Equal(FollowerState.Stopped, waiting.State);
    }

    [Fact]
    public async Task AWrongSecret_StopsTheFollower_WithTheReason()
    {
        await using var leader = Store("leader", 1);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader);
        var intruder = new Follower(follower, 0, feeder.EndPoint, new NodeCredentials("c", "intruder", ClusterSecret.FromBytes(Bytes("not the secret at all 0123456789 abc"))),
            Fast, new FileCursorStore(Path.Combine(_directory.Path, "cursors")), () => 0, NullLogger<Follower>.Instance);

        await intruder.RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(FollowerState.Failed, intruder.State);
        Assert.Contains("authentication failed for node intruder", intruder.LastError);
    }

    [Fact]
    public async Task AStaleLeader_IsRefused_NamingBothEpochs()
    {
        await using var leader = Store("leader", 1);
        await using var follower = Store("follower", 2);
        await using var feeder = StartFeeder(leader, epoch: 3);
        var newer = new Follower(follower, 0, feeder.EndPoint, new NodeCredentials("c", "follower", Secret),
            Fast, new FileCursorStore(Path.Combine(_directory.Path, "cursors")), () => 5, NullLogger<Follower>.Instance);

        await newer.RunAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(FollowerState.Failed, newer.State);
        Assert.Contains("seen leader epoch 5; this leader is at epoch 3", newer.LastError);
    }

    public void Dispose() => _directory.Dispose();

    private LogStore Store(string name, ulong origin) =>
        LogStore.Open(Path.Combine(_directory.Path, name), new StoreOptions { ShardCount = Shards, Fsync = FsyncMode.Never, SegmentRollBytes = 256 << 10, NodeOrigin = origin });

    private static Feeder StartFeeder(LogStore store, long epoch = 1)
    {
        var feeder = new Feeder(store, new NodeCredentials("c", "leader", Secret), Fast, () => epoch, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        return feeder;
    }

    private (List<Follower> Followers, Task Run, CancellationTokenSource Stop) StartFollowers(LogStore store, IPEndPoint leader)
    {
        var cursors = new FileCursorStore(Path.Combine(_directory.Path, "cursors"));
        var followers = Enumerable.Range(0, Shards).Select(shard =>
            new Follower(store, shard, leader, new NodeCredentials("c", "follower", Secret), Fast, cursors, () => 1, NullLogger<Follower>.Instance)).ToList();
        var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        return (followers, Task.WhenAll(followers.Select(f => f.RunAsync(stop.Token))), stop);
    }

    private static async Task WriteAsync(LogStore store, string prefix, int from, int count)
    {
        var batch = new List<WriteOperation>();
        for (var i = from; i < from + count; i++)
        {
            batch.Add(WriteOperation.Put(Bytes($"{prefix}-{i}"), Bytes($"{prefix} value {i}")));
            if (batch.Count == 500)
            {
                await store.WriteAsync(batch);
                batch.Clear();
            }
        }

        await store.WriteAsync(batch);
    }

    /// <summary>Polls (bounded) until every shard of the follower has the leader's next LSN.</summary>
    private static async Task ConvergedAsync(LogStore leader, LogStore follower)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Enumerable.Range(0, Shards).Any(s => follower.NextLsn(s) != leader.NextLsn(s)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"follower did not converge: {string.Join(", ", Enumerable.Range(0, Shards).Select(s => $"{follower.NextLsn(s)}/{leader.NextLsn(s)}"))}");
            await Task.Delay(20);
        }
    }
}
