using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Storage;

/// <summary>The store operations the replication paths use: log reads, verbatim apply, rollback.</summary>
public sealed class ReplicationOperationsTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private StoreOptions Options(ulong origin = 1) => new() { ShardCount = 2, SegmentRollBytes = 4096, Fsync = FsyncMode.Never, NodeOrigin = origin };

    [Fact]
    public async Task FollowerApplyingTheLeadersLog_HasByteIdenticalSegments_AndAnEqualStoreRoot()
    {
        await using var leader = LogStore.Open(Path.Combine(_directory.Path, "leader"), Options(1));
        await using var follower = LogStore.Open(Path.Combine(_directory.Path, "follower"), Options(2));
        for (var i = 0; i < 400; i++)
        {
            await leader.PutAsync(Bytes($"key-{i}"), Bytes($"value-{i}-{new string('v', i % 40)}"));
        }

        await leader.DeleteAsync(Bytes("key-7"));
        await leader.SealAllAsync();
        await leader.PutAsync(Bytes("after-seal"), Bytes("in the active segment"));

        await CatchUpAsync(leader, follower);

        Assert.Equal(leader.ListSegments().Select(s => s.Hash).Order(), follower.ListSegments().Select(s => s.Hash).Order());
        Assert.True(leader.ListSegments().Count >= 6, $"expected several 4 KiB segments, got {leader.ListSegments().Count}");
        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
        Assert.Equal(leader.MerkleRoot(), follower.MerkleRoot());
        Assert.Null(follower.Get(Bytes("key-7")));
        Assert.Equal(leader.Get(Bytes("key-399")), follower.Get(Bytes("key-399")));
        Assert.Equal(leader.NextLsn(0), follower.NextLsn(0));
    }

    [Fact]
    public async Task BytesAfter_CountsTheLogPastAnLsn_ExactlyFromASegmentsStart_AndWithin64RecordsInsideOne()
    {
        await using var store = LogStore.Open(Path.Combine(_directory.Path, "bytes"), Options());
        for (var i = 0; i < 400; i++)
        {
            await store.PutAsync(Bytes($"key-{i}"), Bytes($"value-{i}-{new string('v', i % 40)}"));
        }

        await store.SealAllAsync();
        for (var i = 0; i < 30; i++)
        {
            await store.PutAsync(Bytes($"active-{i}"), Bytes("in the active segment"));
        }

        var shard = store.ShardOf(Bytes("key-0"));
        var last = store.NextLsn(shard) - 1;
        Assert.True(store.ListSegments().Count >= 4, "the log should span several sealed segments and the active one");
        Assert.Equal(0, store.BytesAfter(shard, last));
        Assert.Equal(await LogBytesFromAsync(store, shard, 1), store.BytesAfter(shard, 0));
        for (var lsn = 1L; lsn < last; lsn += 5)
        {
            var truth = await LogBytesFromAsync(store, shard, lsn + 1);
            Assert.InRange(store.BytesAfter(shard, lsn), truth, truth + (63 * 200)); // a record here takes under 200 bytes
        }
    }

    /// <summary>The bytes of the shard's log from <paramref name="from"/> to its end, as a follower would be sent them.</summary>
    private static async Task<long> LogBytesFromAsync(LogStore store, int shard, long from)
    {
        long total = 0;
        for (var chunk = await store.ReadLogChunkAsync(shard, from, 8192, 1 << 20); !chunk.IsEmpty; chunk = await store.ReadLogChunkAsync(shard, chunk.LastLsn + 1, 8192, 1 << 20))
        {
            total += chunk.Bytes.Length;
        }

        return total;
    }

    [Fact]
    public async Task ApplyReplicated_IsIdempotentByLsn_AndAGapFailsNamingBothLsns_ApplyingNothing()
    {
        await using var leader = LogStore.Open(Path.Combine(_directory.Path, "leader"), Options(1));
        await using var follower = LogStore.Open(Path.Combine(_directory.Path, "follower"), Options(2));
        for (var i = 0; i < 50; i++)
        {
            await leader.PutAsync(Bytes($"k{i}"), Bytes($"v{i}"));
        }

        var shard = leader.ShardOf(Bytes("k0"));
        var log = await leader.ReadLogAsync(shard, 1);
        await follower.ApplyReplicatedAsync(shard, log);
        var root = await follower.StoreRootAsync();
        await follower.ApplyReplicatedAsync(shard, log);          // the whole batch again
        await follower.ApplyReplicatedAsync(shard, log.Skip(3).ToList()); // a suffix of it
        Assert.Equal(root, await follower.StoreRootAsync());

        var next = follower.NextLsn(shard);
        var ahead = new[] { LogRecord.Put(next + 5, new RecordVersion(1, 1), Bytes("k0"), Bytes("x")) };
        var gap = await Assert.ThrowsAsync<ReplicationGapException>(() => follower.ApplyReplicatedAsync(shard, ahead).AsTask());
        Assert.Contains($"expected LSN {next}, got {next + 5}", gap.Message);
        Assert.Equal(next, follower.NextLsn(shard));
        Assert.Equal(root, await follower.StoreRootAsync());
    }

    [Fact]
    public async Task ReadLog_FromAnyLsn_ReturnsContiguousCommittedRecords_SealsIncluded()
    {
        await using var store = LogStore.Open(_directory.Path, Options() with { ShardCount = 1 });
        for (var i = 0; i < 300; i++)
        {
            await store.PutAsync(Bytes($"k{i}"), Bytes(new string('x', 50)));
        }

        var all = new List<LogRecord>();
        for (var from = 1L; from < store.NextLsn(0);)
        {
            var batch = await store.ReadLogAsync(0, from, maxRecords: 37);
            Assert.NotEmpty(batch);
            all.AddRange(batch);
            from = batch[^1].Lsn + 1;
        }

        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(r => r.Lsn));
        Assert.Contains(all, r => r.Kind == RecordKind.Seal);
        var fromMiddle = await store.ReadLogAsync(0, 150, maxRecords: 5);
        Assert.Equal([150L, 151, 152, 153, 154], fromMiddle.Select(r => r.Lsn));
        Assert.Empty(await store.ReadLogAsync(0, store.NextLsn(0)));
    }

    [Fact]
    public async Task WaitForLsn_CompletesWhenThatRecordCommits()
    {
        await using var store = LogStore.Open(_directory.Path, Options() with { ShardCount = 1 });
        var waiting = store.WaitForLsnAsync(0, store.NextLsn(0)).AsTask();
        Assert.False(waiting.IsCompleted);
        await store.PutAsync(Bytes("wake"), Bytes("up"));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task RollbackTo_RestoresTheOlderVersions_AndSurvivesReopen()
    {
        var directory = Path.Combine(_directory.Path, "store");
        var options = Options() with { ShardCount = 1, SegmentRollBytes = 1 << 20 };
        await using (var store = LogStore.Open(directory, options))
        {
            await store.PutAsync(Bytes("k"), Bytes("v1"));      // LSN 1
            await store.PutAsync(Bytes("other"), Bytes("o1"));  // LSN 2
            await store.PutAsync(Bytes("k"), Bytes("v2"));      // LSN 3
            await store.PutAsync(Bytes("new"), Bytes("n1"));    // LSN 4
            await store.DeleteAsync(Bytes("other"));            // LSN 5

            Assert.Equal(3, await store.RollbackToAsync(0, 2));
            Assert.Equal("v1", Text(store.Get(Bytes("k"))));
            Assert.Equal("o1", Text(store.Get(Bytes("other"))));
            Assert.Null(store.Get(Bytes("new")));
            Assert.Equal(3, store.NextLsn(0));
            Assert.Equal(0, await store.RollbackToAsync(0, 10));
        }

        await using var reopened = LogStore.Open(directory, options);
        Assert.Equal("v1", Text(reopened.Get(Bytes("k"))));
        Assert.Null(reopened.Get(Bytes("new")));
        Assert.Equal(3, reopened.NextLsn(0));
    }

    [Fact]
    public async Task RollbackIntoASealedSegment_IsRefused_NamingIt_AndChangesNothing()
    {
        await using var store = LogStore.Open(_directory.Path, Options() with { ShardCount = 1 });
        for (var i = 0; i < 10; i++)
        {
            await store.PutAsync(Bytes($"k{i}"), Bytes("v"));
        }

        await store.SealAllAsync();
        await store.PutAsync(Bytes("tail"), Bytes("t"));
        var root = await store.StoreRootAsync();
        var sealedSegment = store.ListSegments().Single();

        var error = await Assert.ThrowsAsync<RollbackCrossesSealedSegmentException>(() => store.RollbackToAsync(0, 5).AsTask());
        Assert.Contains(sealedSegment.Hash.ToString(), error.Message);
        Assert.Contains("LSNs 1..11", error.Message);
        Assert.Equal(root, await store.StoreRootAsync());

        // Back to exactly the end of the sealed segment is allowed: it only empties the active one.
        Assert.Equal(1, await store.RollbackToAsync(0, sealedSegment.LastLsn));
        Assert.Null(store.Get(Bytes("tail")));
    }

    public void Dispose() => _directory.Dispose();

    internal static async Task CatchUpAsync(LogStore leader, LogStore follower)
    {
        for (var shard = 0; shard < leader.ShardCount; shard++)
        {
            while (follower.NextLsn(shard) < leader.NextLsn(shard))
            {
                await follower.ApplyReplicatedAsync(shard, await leader.ReadLogAsync(shard, follower.NextLsn(shard), maxRecords: 50));
            }
        }
    }

}
