using System.Text;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Storage;

/// <summary>The clock's skew bound, alone and as the store applies it to replicated and imported records.</summary>
public sealed class HybridLogicalClockTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private readonly ManualClock _time = new(Now);

    private StoreOptions Options(ulong origin) => new() { ShardCount = 1, Fsync = FsyncMode.Never, NodeOrigin = origin, Time = _time, MaxClockSkew = TimeSpan.FromMinutes(1) };

    [Fact]
    public void ObservingTheLargestTimestamp_NeitherDragsTheClockAlongNorWrapsIt()
    {
        var clock = new HybridLogicalClock(_time, TimeSpan.FromMinutes(1));
        Assert.False(clock.Accepts(ulong.MaxValue));
        clock.Observe(ulong.MaxValue);
        var next = clock.Next();
        Assert.InRange(next, Stamp(Now), clock.Limit + 1);
        Assert.True(clock.Next() > next);
    }

    [Fact]
    public void ATimestampWithinTheBound_IsObserved_SoTheNextLocalOneIsLater()
    {
        var clock = new HybridLogicalClock(_time, TimeSpan.FromMinutes(1));
        var ahead = Stamp(Now + TimeSpan.FromSeconds(30));
        Assert.True(clock.Accepts(ahead));
        clock.Observe(ahead);
        Assert.Equal(ahead + 1, clock.Next());
    }

    [Fact]
    public async Task AReplicatedRecordFarInTheFuture_IsRefusedNamingKeyAndTimestamp_AndLocalWritesStillWin()
    {
        await using var follower = LogStore.Open(Path.Combine(_directory.Path, "follower"), Options(2));
        await follower.PutAsync(Bytes("greeting"), Bytes("old"));
        var next = follower.NextLsn(0);
        var poisoned = LogRecord.Put(next, new RecordVersion(ulong.MaxValue, 1), Bytes("greeting"), Bytes("from the future"));

        var error = await Assert.ThrowsAsync<ClockSkewException>(() => follower.ApplyReplicatedAsync(0, [poisoned]).AsTask());
        Assert.Contains("key \"greeting\"", error.Message);
        Assert.Contains($"timestamp {ulong.MaxValue}", error.Message);
        Assert.Contains("MaxClockSkew=00:01:00", error.Message);
        Assert.Equal("leader 127.0.0.1:7000", error.From("leader 127.0.0.1:7000").Peer);
        Assert.Equal(next, follower.NextLsn(0));

        await follower.PutAsync(Bytes("greeting"), Bytes("new"));
        Assert.Equal("new", Encoding.UTF8.GetString(follower.Get(Bytes("greeting"))!));
    }

    [Fact]
    public async Task AnImportedSegmentWithAFutureRecord_IsRejected_NamingIt()
    {
        var farAhead = new ManualClock(Now + TimeSpan.FromDays(3));
        await using var peer = LogStore.Open(Path.Combine(_directory.Path, "peer"), Options(3) with { Time = farAhead });
        await peer.PutAsync(Bytes("k"), Bytes("v"));
        await peer.SealAllAsync();
        var segment = Assert.Single(peer.ListSegments());

        await using var local = LogStore.Open(Path.Combine(_directory.Path, "local"), Options(2));
        var result = await local.ImportSegmentAsync((await peer.ReadSegmentAsync(segment.Hash))!, segment.Hash);
        var rejected = Assert.IsType<SegmentImportResult.Rejected>(result);
        Assert.Contains("key \"k\"", rejected.Reason);
        Assert.Empty(local.ListSegments());
    }

    [Fact]
    public async Task ARecordAlreadyInTheLogFromAWrongClock_DoesNotCarryTheClockAfterARestart()
    {
        var directory = Path.Combine(_directory.Path, "store");
        await using (var wrong = LogStore.Open(directory, Options(1) with { Time = new ManualClock(Now + TimeSpan.FromDays(365)) }))
        {
            await wrong.PutAsync(Bytes("a"), Bytes("written under a clock a year ahead"));
        }

        await using var store = LogStore.Open(directory, Options(1));
        await store.PutAsync(Bytes("b"), Bytes("now"));
        var log = await store.ReadLogAsync(0, 1);
        Assert.True(log[0].Version.Timestamp > Stamp(Now + TimeSpan.FromDays(300)));
        Assert.InRange(log[1].Version.Timestamp, Stamp(Now), Stamp(Now + TimeSpan.FromMinutes(1)) + 1);
    }

    public void Dispose() => _directory.Dispose();

    private static ulong Stamp(DateTimeOffset at) => (ulong)at.ToUnixTimeMilliseconds() << 16;
}
