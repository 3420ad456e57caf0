using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.AntiEntropy;

/// <summary>Pull-only anti-entropy between real stores, served by real feeders over loopback.</summary>
public sealed class AntiEntropyTests : IDisposable
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes(Bytes("anti-entropy tests shared secret 0123456789"));
    private static readonly AntiEntropyOptions Options = new() { Interval = TimeSpan.FromMilliseconds(100), ListThreshold = 4 };
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task TwoStoresWithSegmentsOfTheirOwn_EndEqual_AfterPullingBothWays_ByDescentNotListing()
    {
        await using (var original = Store("a", 1))
        {
            await WriteAsync(original, "shared", 60_000); // about a thousand 4 KiB segments
            await original.SealAllAsync();
        }

        TempDirectory.CopyStore(_directory.File("a"), _directory.File("b")); // b starts as a copy of a
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await WriteAsync(a, "only-a", 40);
        await WriteAsync(b, "only-b", 60);
        await a.SealAllAsync();
        await b.SealAllAsync();
        var (segmentsA, segmentsB) = (a.ListSegments().Select(s => s.Hash).ToHashSet(), b.ListSegments().Select(s => s.Hash).ToHashSet());
        var ownA = segmentsA.Count(h => !segmentsB.Contains(h));
        var ownB = segmentsB.Count(h => !segmentsA.Contains(h));
        Assert.True(a.ListSegments().Count > 900 && ownA > 0 && ownB > 0, $"a has {a.ListSegments().Count} segments, {ownA} its own; b has {ownB} of its own");

        var rootOfA = a.MerkleRoot();
        await using var feedA = Serve(a, "node-a");
        await using var feedB = Serve(b, "node-b");
        var bFromA = await Loop(b, feedA.EndPoint, "node-b").RunOnceAsync(CancellationToken.None);
        var aFromB = await Loop(a, feedB.EndPoint, "node-a").RunOnceAsync(CancellationToken.None);

        Assert.Equal((ownA, ownA, 0), (bFromA.Missing, bFromA.Applied, bFromA.Pending));
        Assert.Equal((ownB, ownB, 0), (aFromB.Missing, aFromB.Applied, aFromB.Pending));
        Assert.Equal(await a.StoreRootAsync(), await b.StoreRootAsync());
        Assert.Equal(rootOfA, bFromA.PeerRoot);
        Assert.Equal("only-b value 59", Text(a.Get(Bytes("only-b-59"))));
        Assert.Equal("only-a value 39", Text(b.Get(Bytes("only-a-39"))));

        // Descent: far less metadata than listing every segment hash once.
        var listing = a.ListSegments().Count * Blake3Hash.Size;
        Assert.True(bFromA.MetadataBytes < listing / 4, $"{bFromA.MetadataBytes} bytes of metadata against {listing} for a full listing");
    }

    [Fact]
    public async Task PeersInSync_ExchangeOnlyTheirRoots()
    {
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await WriteAsync(a, "k", 500);
        await a.SealAllAsync();
        await CopyLogAsync(a, b);
        await using var feedA = Serve(a, "node-a");

        var report = await Loop(b, feedA.EndPoint, "node-b").RunOnceAsync(CancellationToken.None);
        Assert.True(report.InSync);
        Assert.Equal((0, 0, 1), (report.Missing, report.Applied, report.RoundTrips));
        Assert.True(report.MetadataBytes < 100, $"{report.MetadataBytes} bytes to find out nothing differs");
    }

    [Fact]
    public async Task ACorruptedSegment_StaysPending_AndIsAppliedOnceThePeerServesItWhole()
    {
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await WriteAsync(a, "k", 300);
        await a.SealAllAsync();
        var victim = a.ListSegments()[0];
        var path = Directory.GetFiles(_directory.File("a"), $"{victim.Hash}.seg", SearchOption.AllDirectories).Single();
        var good = await File.ReadAllBytesAsync(path);
        var bad = good.ToArray();
        bad[bad.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(path, bad);

        await using var feedA = Serve(a, "node-a");
        var cursors = new FilePeerCursorStore(_directory.File("cursors-b"));
        var first = await Loop(b, feedA.EndPoint, "node-b", cursors).RunOnceAsync(CancellationToken.None);
        Assert.Equal((a.ListSegments().Count - 1, 1), (first.Applied, first.Pending));
        Assert.Equal([victim.Hash], (await cursors.LoadAsync("node-a", CancellationToken.None))!.SegmentsPending);

        await File.WriteAllBytesAsync(path, good);
        var second = await Loop(b, feedA.EndPoint, "node-b", cursors).RunOnceAsync(CancellationToken.None);
        Assert.Equal((1, 1, 0), (second.Resumed, second.Applied, second.Pending));
        Assert.Equal(a.MerkleRoot(), b.MerkleRoot());
        Assert.Equal(a.ListSegments().Count, (await cursors.LoadAsync("node-a", CancellationToken.None))!.SegmentsAppliedTotal);
    }

    [Fact]
    public async Task ADamagedCursorFile_StartsAfresh_AndIsRewrittenWhole()
    {
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await WriteAsync(a, "k", 200);
        await a.SealAllAsync();
        await using var feedA = Serve(a, "node-a");
        var directory = _directory.File("cursors-damaged");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "peer-node-a.json"), "{\"LastKnownPeerRoot\": \"not a hash\", \"Segme");

        var report = await Loop(b, feedA.EndPoint, "node-b", new FilePeerCursorStore(directory)).RunOnceAsync(CancellationToken.None);
        Assert.Equal((a.ListSegments().Count, 0), (report.Applied, report.Pending));
        Assert.Equal(a.MerkleRoot(), (await new FilePeerCursorStore(directory).LoadAsync("node-a", CancellationToken.None))!.LastKnownPeerRoot);
    }

    [Fact]
    public async Task AFailedUpload_IsNotFatal_TheSegmentStaysApplied()
    {
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await WriteAsync(a, "k", 200);
        await a.SealAllAsync();
        await using var feedA = Serve(a, "node-a");
        var uploads = new FailingUploader();

        var loop = new AntiEntropyLoop(b, feedA.EndPoint, Credentials("node-b"), Options, new FilePeerCursorStore(_directory.File("cursors")), uploads, NullLogger<AntiEntropyLoop>.Instance);
        var report = await loop.RunOnceAsync(CancellationToken.None);

        Assert.Equal(a.ListSegments().Count, uploads.Attempts);
        Assert.Equal((a.ListSegments().Count, 0), (report.Applied, report.Pending));
        Assert.Equal(a.MerkleRoot(), b.MerkleRoot());
    }

    [Fact]
    public async Task SegmentsALeaderImported_ReachItsFollower_ThroughTheFollowersOwnAntiEntropy()
    {
        await using var peer = Store("peer", 3);
        await using var leader = Store("leader", 1);
        await using var follower = Store("follower", 2);
        await WriteAsync(peer, "from-peer", 100);
        await peer.SealAllAsync();
        await WriteAsync(leader, "k", 200);
        await leader.SealAllAsync();
        await using var feedPeer = Serve(peer, "node-peer");
        await Loop(leader, feedPeer.EndPoint, "node-leader").RunOnceAsync(CancellationToken.None);
        Assert.Contains(leader.ListSegments(), s => s.Imported);

        await CopyLogAsync(leader, follower); // the stream carries the leader's own log, not what it imported
        Assert.NotEqual(leader.MerkleRoot(), follower.MerkleRoot());

        await using var feedLeader = Serve(leader, "node-leader");
        var report = await Loop(follower, feedLeader.EndPoint, "node-follower").RunOnceAsync(CancellationToken.None);
        Assert.Equal(peer.ListSegments().Count, report.Applied);
        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
        Assert.Equal("from-peer value 99", Text(follower.Get(Bytes("from-peer-99"))));
    }

    [Fact]
    public async Task APeerWhoseNodeIdCannotNameAFile_IsRefused_AndNothingIsWritten()
    {
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await using var feed = Serve(a, "../../escape");
        var cursors = _directory.File("cursors");

        var refused = await Assert.ThrowsAsync<UnsafeNameException>(() => Loop(b, feed.EndPoint, "node-b", new FilePeerCursorStore(cursors)).RunOnceAsync(CancellationToken.None));
        Assert.Contains("peer node id \"../../escape\" is refused", refused.Message);
        Assert.Empty(Directory.GetFiles(_directory.Path, "*.json", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task TheLoop_KeepsGoingAfterAFailedCycle_AndSyncNowRunsACycleAtOnce()
    {
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await WriteAsync(a, "k", 200);
        await a.SealAllAsync();
        var feed = Serve(a, "node-a");
        var endPoint = feed.EndPoint;
        await feed.DisposeAsync(); // nobody listens: the first cycles fail

        var loop = new AntiEntropyLoop(b, endPoint, Credentials("node-b"), Options with { Interval = TimeSpan.FromHours(1) }, new FilePeerCursorStore(_directory.File("cursors")), null, NullLogger<AntiEntropyLoop>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var running = loop.RunAsync(stop.Token);
        await Poll.UntilAsync(() => loop.LastError is not null, TimeSpan.FromSeconds(30), "the loop reporting the lost peer");

        await using var again = Serve(a, "node-a", endPoint);
        loop.SyncNow(); // an hour early
        await Poll.UntilAsync(() => loop.LastReport is { Pending: 0, Applied: > 0 }, TimeSpan.FromSeconds(30), "a cycle that applied everything pending");
        await stop.CancelAsync();
        await running;
        Assert.Equal(a.MerkleRoot(), b.MerkleRoot());
    }

    [Fact]
    public async Task AnInitialDelay_HoldsTheFirstCycle_UntilSyncNow()
    {
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await WriteAsync(a, "k", 200);
        await a.SealAllAsync();
        await using var feed = Serve(a, "node-a");

        var loop = new AntiEntropyLoop(b, feed.EndPoint, Credentials("node-b"), Options with { Interval = TimeSpan.FromHours(1), InitialDelay = TimeSpan.FromHours(1) }, new FilePeerCursorStore(_directory.File("cursors")), null, NullLogger<AntiEntropyLoop>.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var running = loop.RunAsync(stop.Token);
        await Task.Delay(300);
        Assert.Null(loop.LastReport); // no cycle yet
        Assert.NotEqual(a.MerkleRoot(), b.MerkleRoot());

        loop.SyncNow();
        await Poll.UntilAsync(() => loop.LastReport is { Pending: 0, Applied: > 0 }, TimeSpan.FromSeconds(30), "a cycle that applied everything pending");
        await stop.CancelAsync();
        await running;
        Assert.Equal(a.MerkleRoot(), b.MerkleRoot());
        Assert.Contains("InitialDelay must not be negative", string.Join(";", (Options with { InitialDelay = TimeSpan.FromSeconds(-1) }).Validate()));
    }

    [Fact]
    public async Task ASegmentLargerThanThisStoreRolls_IsRefusedBeforeAnythingIsAllocated_AndNothingIsApplied()
    {
        await using var a = LogStore.Open(_directory.File("big-rolls"), new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never, SegmentRollBytes = 64 << 10, NodeOrigin = 1 });
        await using var b = LogStore.Open(_directory.File("small-rolls"), new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never, SegmentRollBytes = 4096, MaxKeyBytes = 256, MaxValueBytes = 1024, NodeOrigin = 2 });
        await WriteAsync(a, "k", 2000);
        await a.SealAllAsync();
        var largest = a.ListSegments().Max(s => s.Bytes);
        Assert.True(largest > b.Options.LargestSegmentBytes, $"the peer's largest segment is {largest} bytes");
        await using var feed = Serve(a, "node-a");

        var loop = Loop(b, feed.EndPoint, "node-b");
        var error = await Assert.ThrowsAnyAsync<ProtocolException>(() => loop.RunOnceAsync(CancellationToken.None));
        Assert.Contains($"more than the {b.Options.LargestSegmentBytes} this store takes (its roll size 4096 and one record", error.Message);
        Assert.Empty(b.ListSegments());
    }

    [Fact]
    public async Task APeerOrLeaderWithAnotherIdThanExpected_IsRefusedAtTheHandshake_AndNothingIsPulled()
    {
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await WriteAsync(a, "k", 200);
        await a.SealAllAsync();
        await using var feed = Serve(a, "node-a"); // at the address b believes node-c has

        var loop = new AntiEntropyLoop(b, feed.EndPoint, Credentials("node-b"), Options, new FilePeerCursorStore(_directory.File("cursors-expected")), null, NullLogger<AntiEntropyLoop>.Instance) { ExpectedPeer = "node-c" };
        var error = await Assert.ThrowsAsync<HandshakeRejectedException>(() => loop.RunOnceAsync(CancellationToken.None));
        Assert.Equal("the server is node node-a, not node-c as expected", error.Message);
        Assert.Empty(b.ListSegments());

        var follower = new Follower(b, 0, feed.EndPoint, Credentials("node-b"), new StreamingOptions(), new FileCursorStore(_directory.File("follower-cursors")), () => 1, NullLogger<Follower>.Instance) { ExpectedLeader = "node-c" };
        await follower.RunAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)); // a refused leader ends the run
        Assert.Equal((FollowerState.Failed, "the server is node node-a, not node-c as expected"), (follower.State, follower.LastError));
        Assert.Equal(1, b.NextLsn(0));
    }

    [Fact]
    public async Task PullingHundredsOfSegments_WritesTheCursorAFewTimes_NotOncePerSegment()
    {
        await using var a = Store("many", 1);
        await using var b = Store("none", 2);
        await WriteAsync(a, "k", 20_000);
        await a.SealAllAsync();
        await using var feed = Serve(a, "node-a");
        var cursors = new CountingCursorStore(new FilePeerCursorStore(_directory.File("cursors-counted")));

        var started = TimeProvider.System.GetTimestamp();
        var report = await Loop(b, feed.EndPoint, "node-b", cursors).RunOnceAsync(CancellationToken.None);
        var seconds = TimeProvider.System.GetElapsedTime(started).TotalSeconds;

        Assert.True(report.Applied > 200, $"{report.Applied} segments applied");
        Assert.Equal(a.SegmentTree().Root, b.SegmentTree().Root);
        // The start, the descent's result, the end; and one more for each second (CursorSaveInterval) the pull took.
        Assert.InRange(cursors.Saves, 3, 3 + (int)Math.Ceiling(seconds));
        var saved = await cursors.LoadAsync("node-a", CancellationToken.None);
        Assert.NotNull(saved);
        Assert.Equal(report.Applied, saved.SegmentsAppliedTotal);
        Assert.Empty(saved.SegmentsPending);
    }

    public void Dispose() => _directory.Dispose();

    private static NodeCredentials Credentials(string node) => new("c", node, Secret);

    private LogStore Store(string name, ulong origin) =>
        LogStore.Open(_directory.File(name), new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never, SegmentRollBytes = 4096, NodeOrigin = origin });

    private static Feeder Serve(LogStore store, string node, IPEndPoint? at = null)
    {
        var feeder = new Feeder(store, Credentials(node), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(at ?? new IPEndPoint(IPAddress.Loopback, 0));
        return feeder;
    }

    private AntiEntropyLoop Loop(LogStore store, IPEndPoint peer, string self, IPeerCursorStore? cursors = null) =>
        new(store, peer, Credentials(self), Options, cursors ?? new FilePeerCursorStore(_directory.File($"cursors-{self}")), null, NullLogger<AntiEntropyLoop>.Instance);

    private static async Task WriteAsync(LogStore store, string prefix, int count) =>
        await store.WriteAsync(Enumerable.Range(0, count).Select(i => WriteOperation.Put(Bytes($"{prefix}-{i}"), Bytes($"{prefix} value {i}"))).ToList());

    /// <summary>What streaming gives a follower: the leader's log, applied verbatim.</summary>
    private static async Task CopyLogAsync(LogStore from, LogStore to)
    {
        for (var shard = 0; shard < from.ShardCount; shard++)
        {
            while (to.NextLsn(shard) < from.NextLsn(shard))
            {
                await to.ApplyReplicatedAsync(shard, await from.ReadLogChunkAsync(shard, to.NextLsn(shard), 10_000, 1 << 20));
            }
        }
    }


    private sealed class CountingCursorStore(IPeerCursorStore inner) : IPeerCursorStore
    {
        public int Saves { get; private set; }

        public ValueTask<PeerCursor?> LoadAsync(string peer, CancellationToken cancellationToken) => inner.LoadAsync(peer, cancellationToken);

        public ValueTask SaveAsync(string peer, PeerCursor cursor, CancellationToken cancellationToken)
        {
            Saves++;
            return inner.SaveAsync(peer, cursor, cancellationToken);
        }
    }

    private sealed class FailingUploader : ISegmentUploader
    {
        public int Attempts { get; private set; }

        public ValueTask UploadAsync(Blake3Hash hash, ReadOnlyMemory<byte> segment, CancellationToken cancellationToken)
        {
            Attempts++;
            throw new IOException("remote store unreachable");
        }
    }
}
