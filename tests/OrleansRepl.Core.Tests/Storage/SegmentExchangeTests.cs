using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Storage;

/// <summary>Anti-entropy's store side: missing segments, reading and importing them, last-writer-wins merge.</summary>
public sealed class SegmentExchangeTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private StoreOptions Options(ulong origin) => new() { ShardCount = 2, SegmentRollBytes = 4096, Fsync = FsyncMode.Never, NodeOrigin = origin };

    [Fact]
    public async Task PullingEveryMissingSegment_GivesAnEmptyPeerTheSameMerkleAndStoreRoot()
    {
        await using var source = LogStore.Open(Path.Combine(_directory.Path, "a"), Options(1));
        await using var peer = LogStore.Open(Path.Combine(_directory.Path, "b"), Options(2));
        for (var i = 0; i < 300; i++)
        {
            await source.PutAsync(Bytes($"key-{i}"), Bytes($"value-{i}"));
        }

        await source.SealAllAsync();
        var missing = peer.MissingSegments(source.ListSegments().Select(s => s.Hash));
        Assert.Equal(source.ListSegments().Count, missing.Count);
        foreach (var hash in missing)
        {
            var result = await peer.ImportSegmentAsync((await source.ReadSegmentAsync(hash))!, hash);
            Assert.IsType<SegmentImportResult.Applied>(result);
        }

        Assert.Empty(peer.MissingSegments(source.ListSegments().Select(s => s.Hash)));
        Assert.Equal(source.MerkleRoot(), peer.MerkleRoot());
        Assert.Equal(await source.StoreRootAsync(), await peer.StoreRootAsync());
        for (var i = 0; i < 300; i++)
        {
            Assert.Equal($"value-{i}", Text(peer.Get(Bytes($"key-{i}"))));
        }

        var again = await peer.ImportSegmentAsync((await source.ReadSegmentAsync(missing[0]))!, missing[0]);
        Assert.IsType<SegmentImportResult.Skipped>(again);
    }

    [Fact]
    public async Task ImportedRecords_MergeLastWriterWins_AndLosersAreShadowedNotDeleted()
    {
        var peerDirectory = Path.Combine(_directory.Path, "b");
        await using var source = LogStore.Open(Path.Combine(_directory.Path, "a"), Options(1));
        long written = 0;
        long shadowed = 0;
        await using (var peer = LogStore.Open(peerDirectory, Options(2)))
        {
            await peer.PutAsync(Bytes("older-on-peer"), Bytes("peer, written first"));
            await WaitForNextMillisecondAsync();
            await source.PutAsync(Bytes("older-on-peer"), Bytes("source, written later"));
            await source.PutAsync(Bytes("newer-on-peer"), Bytes("source, written first"));
            await source.DeleteAsync(Bytes("deleted-by-source"));
            await WaitForNextMillisecondAsync();
            await peer.PutAsync(Bytes("newer-on-peer"), Bytes("peer, written later"));
            await source.SealAllAsync();

            foreach (var segment in source.ListSegments())
            {
                var result = Assert.IsType<SegmentImportResult.Applied>(await peer.ImportSegmentAsync((await source.ReadSegmentAsync(segment.Hash))!, segment.Hash));
                written += result.Written;
                shadowed += result.Shadowed;
            }

            Assert.Equal(1, shadowed); // the source's "newer-on-peer" lost to the peer's later write
            Assert.Equal(2, written);  // "older-on-peer" and the tombstone of "deleted-by-source"

            Assert.Equal("source, written later", Text(peer.Get(Bytes("older-on-peer"))));
            Assert.Equal("peer, written later", Text(peer.Get(Bytes("newer-on-peer"))));
        }

        // The merge is rebuilt the same way from the files on reopen.
        await using var reopened = LogStore.Open(peerDirectory, Options(2));
        Assert.Equal("source, written later", Text(reopened.Get(Bytes("older-on-peer"))));
        Assert.Equal("peer, written later", Text(reopened.Get(Bytes("newer-on-peer"))));
        Assert.Contains(reopened.ListSegments(), s => s.Imported);
    }

    [Fact]
    public async Task WrongHash_TamperedBytes_AndForeignShards_AreRefused_ChangingNothing()
    {
        await using var source = LogStore.Open(Path.Combine(_directory.Path, "a"), Options(1));
        await using var peer = LogStore.Open(Path.Combine(_directory.Path, "b"), Options(2));
        for (var i = 0; i < 100; i++)
        {
            await source.PutAsync(Bytes($"key-{i}"), Bytes("v"));
        }

        await source.SealAllAsync();
        var segment = source.ListSegments()[0];
        var bytes = (await source.ReadSegmentAsync(segment.Hash))!;
        var rootBefore = await peer.StoreRootAsync();

        var mismatch = Assert.IsType<SegmentImportResult.HashMismatch>(await peer.ImportSegmentAsync(bytes, Blake3Hasher.Hash("something else"u8)));
        Assert.Equal(segment.Hash.ToString(), mismatch.Actual);

        var tampered = (byte[])bytes.Clone();
        tampered[20] ^= 0x01;
        Assert.IsType<SegmentImportResult.Rejected>(await peer.ImportSegmentAsync(tampered, Blake3Hasher.Hash(tampered)));

        // A valid segment of a 2-shard store does not fit a 3-shard store's key mapping.
        await using var threeShards = LogStore.Open(Path.Combine(_directory.Path, "c"), Options(3) with { ShardCount = 3 });
        var foreign = Assert.IsType<SegmentImportResult.Rejected>(await threeShards.ImportSegmentAsync(bytes, segment.Hash));
        Assert.Contains("shards", foreign.Reason);

        Assert.Empty(peer.ListSegments());
        Assert.Equal(rootBefore, await peer.StoreRootAsync());
        Assert.Null(await peer.ReadSegmentAsync(segment.Hash));
    }

    [Fact]
    public async Task AFollowerThatImportedTheLeadersSegment_AdoptsItWhenItsOwnLogSealsTheSameBytes()
    {
        // A lagging follower pulls the leader's sealed segment by anti-entropy, then the stream delivers the same
        // records and seal: the follower's own segment is byte-identical, so it must be listed once, not twice.
        var followerDirectory = Path.Combine(_directory.Path, "b");
        await using var leader = LogStore.Open(Path.Combine(_directory.Path, "a"), Options(1));
        for (var i = 0; i < 300; i++)
        {
            await leader.PutAsync(Bytes($"key-{i}"), Bytes($"value-{i}"));
        }

        await leader.SealAllAsync();
        await using (var follower = LogStore.Open(followerDirectory, Options(2)))
        {
            foreach (var hash in follower.MissingSegments(leader.ListSegments().Select(s => s.Hash)))
            {
                Assert.IsType<SegmentImportResult.Applied>(await follower.ImportSegmentAsync((await leader.ReadSegmentAsync(hash))!, hash));
            }

            await ReplicationOperationsTests.CatchUpAsync(leader, follower);
            Assert.Equal(leader.ListSegments().Select(s => (s.Hash, s.Imported)).Order(), follower.ListSegments().Select(s => (s.Hash, s.Imported)).Order());
            Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
        }

        await using var reopened = LogStore.Open(followerDirectory, Options(2));
        Assert.Equal(await leader.StoreRootAsync(), await reopened.StoreRootAsync());
        Assert.Equal("value-299", Text(reopened.Get(Bytes("key-299"))));
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>The two stores' clocks are independent; a new millisecond orders their writes in time.</summary>
    private static async Task WaitForNextMillisecondAsync()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        while (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() <= now + 1)
        {
            await Task.Delay(1);
        }
    }

}
