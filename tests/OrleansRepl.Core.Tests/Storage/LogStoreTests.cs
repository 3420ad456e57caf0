using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Storage;

public sealed class LogStoreTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static StoreOptions Options => new() { ShardCount = 4, Fsync = FsyncMode.Always };

    [Fact]
    public async Task PutGetDelete_AndValuesSurviveReopen()
    {
        await using (var store = LogStore.Open(_directory.Path, Options))
        {
            await store.PutAsync(Bytes("alpha"), Bytes("1"));
            await store.PutAsync(Bytes("beta"), Bytes("2"));
            await store.PutAsync(Bytes("alpha"), Bytes("3"));
            await store.DeleteAsync(Bytes("beta"));
            Assert.Equal("3", Text(store.Get(Bytes("alpha"))));
            Assert.Null(store.Get(Bytes("beta")));
            Assert.Null(store.Get(Bytes("gamma")));
        }

        await using var reopened = LogStore.Open(_directory.Path, Options);
        Assert.Equal("3", Text(reopened.Get(Bytes("alpha"))));
        Assert.Null(reopened.Get(Bytes("beta")));
        Assert.Equal(0, reopened.OpenReport.DroppedBytes);
    }

    [Fact]
    public async Task Scan_ReturnsLiveKeysWithThePrefix_InKeyOrder_AcrossShards()
    {
        await using var store = LogStore.Open(_directory.Path, Options);
        foreach (var key in new[] { "user/3", "user/1", "order/1", "user/2", "user/10" })
        {
            await store.PutAsync(Bytes(key), Bytes(key + "!"));
        }

        await store.DeleteAsync(Bytes("user/2"));
        var scanned = store.Scan(Bytes("user/"));
        Assert.Equal(["user/1", "user/10", "user/3"], scanned.Select(p => Text(p.Key)));
        Assert.Equal(["user/1!", "user/10!", "user/3!"], scanned.Select(p => Text(p.Value)));
    }

    [Fact]
    public async Task InvalidBatch_IsRejectedWhole_NothingWritten()
    {
        await using var store = LogStore.Open(_directory.Path, Options with { MaxValueBytes = 10 });
        var error = await Assert.ThrowsAsync<StoreArgumentException>(() => store.WriteAsync(
        [
            WriteOperation.Put(Bytes("ok"), Bytes("small")),
            WriteOperation.Put(Bytes("too-big"), new byte[11]),
        ]).AsTask());
        Assert.Contains("operation 1: value is 11 bytes; the limit is 10", error.Message);
        Assert.Null(store.Get(Bytes("ok")));

        var empty = await Assert.ThrowsAsync<StoreArgumentException>(() => store.PutAsync(ReadOnlyMemory<byte>.Empty, Bytes("x")).AsTask());
        Assert.Contains("key is 0 bytes", empty.Message);
    }

    [Fact]
    public async Task ReopeningWithAnotherShardCount_FailsNamingBothCounts()
    {
        await (LogStore.Open(_directory.Path, Options)).DisposeAsync();
        var error = Assert.Throws<ShardCountMismatchException>(() => LogStore.Open(_directory.Path, Options with { ShardCount = 8 }));
        Assert.Contains("has 4 shards", error.Message);
        Assert.Contains("ShardCount=8", error.Message);
        Assert.Equal(4, LogStore.StoredShardCount(_directory.Path));
    }

    [Fact]
    public async Task ASecondOpenOfTheSameDirectory_IsRefused_UntilTheFirstCloses()
    {
        var first = LogStore.Open(_directory.Path, Options);
        var error = Assert.Throws<StoreLockedException>(() => LogStore.Open(_directory.Path, Options));
        Assert.Contains(_directory.Path, error.Message);
        await first.DisposeAsync();
        await (LogStore.Open(_directory.Path, Options)).DisposeAsync();
    }

    [Fact]
    public void InvalidOptions_AreRejectedAtOpen_NamingEachProblem()
    {
        var error = Assert.Throws<StoreArgumentException>(() => LogStore.Open(_directory.Path, new StoreOptions { ShardCount = 0, SegmentRollBytes = 10 }));
        Assert.Contains("ShardCount must be between 1 and 4096, got 0", error.Message);
        Assert.Contains("SegmentRollBytes must be at least 4096, got 10", error.Message);
    }

    [Fact]
    public async Task RolledSegments_AreNamedByTheBlake3OfTheirBytes_AndListedInOrder()
    {
        await using var store = LogStore.Open(_directory.Path, Options with { ShardCount = 1, SegmentRollBytes = 4096 });
        for (var i = 0; i < 200; i++)
        {
            await store.PutAsync(Bytes($"key-{i}"), new byte[100]);
        }

        var segments = store.ListSegments();
        Assert.True(segments.Count >= 4, $"expected at least 4 sealed segments of 4 KiB from ~27 KiB of records, got {segments.Count}");
        for (var i = 0; i < segments.Count; i++)
        {
            var path = Path.Combine(_directory.Path, "shard-000", "segments", segments[i].Hash + ".seg");
            Assert.Equal(segments[i].Hash, Blake3Hasher.Hash(File.ReadAllBytes(path)));
            Assert.Equal(segments[i].Bytes, new FileInfo(path).Length);
            if (i > 0)
            {
                Assert.Equal(segments[i - 1].LastLsn + 1, segments[i].FirstLsn);
            }
        }

        Assert.All(Enumerable.Range(0, 200), i => Assert.NotNull(store.Get(Bytes($"key-{i}"))));
    }

    [Fact]
    public async Task Roots_AreStableAcrossReopen_AndChangeWithAnyWrite()
    {
        Blake3Hash merkle;
        Blake3Hash root;
        await using (var store = LogStore.Open(_directory.Path, Options with { SegmentRollBytes = 4096 }))
        {
            for (var i = 0; i < 300; i++)
            {
                await store.PutAsync(Bytes($"k{i}"), Bytes($"v{i}"));
            }

            await store.SealAllAsync();
            await store.PutAsync(Bytes("tail"), Bytes("in the active segment"));
            merkle = store.MerkleRoot();
            root = await store.StoreRootAsync();
        }

        await using var reopened = LogStore.Open(_directory.Path, Options with { SegmentRollBytes = 4096 });
        Assert.Equal(merkle, reopened.MerkleRoot());
        Assert.Equal(root, await reopened.StoreRootAsync());

        await reopened.PutAsync(Bytes("one more"), Bytes("x"));
        Assert.Equal(merkle, reopened.MerkleRoot());
        Assert.NotEqual(root, await reopened.StoreRootAsync());
    }

    [Fact]
    public async Task ConcurrentWriters_AllCommit_WithStrictlyIncreasingLsnsPerShard()
    {
        await using var store = LogStore.Open(_directory.Path, Options with { SegmentRollBytes = 64 << 10 });
        await Parallel.ForEachAsync(Enumerable.Range(0, 8), async (writer, ct) =>
        {
            for (var i = 0; i < 250; i++)
            {
                await store.PutAsync(Bytes($"w{writer}-{i}"), Bytes($"{writer}:{i}"), ct);
            }
        });

        for (var writer = 0; writer < 8; writer++)
        {
            for (var i = 0; i < 250; i++)
            {
                Assert.Equal($"{writer}:{i}", Text(store.Get(Bytes($"w{writer}-{i}"))));
            }
        }

        await store.SealAllAsync();
        foreach (var shard in store.ListSegments().GroupBy(s => s.Shard))
        {
            var ordered = shard.ToList();
            for (var i = 1; i < ordered.Count; i++)
            {
                Assert.Equal(ordered[i - 1].LastLsn + 1, ordered[i].FirstLsn);
            }
        }
    }

    [Fact]
    public async Task AFailedWrite_FailsTheShardLoudly_ForEveryWriter_AndReopenRecovers()
    {
        var failWrites = false;
        var options = Options with
        {
            ShardCount = 1,
            FaultInjector = point =>
            {
                if (failWrites && point == "flush.write")
                {
                    throw new IOException("No space left on device (injected)");
                }
            },
        };

        await using (var store = LogStore.Open(_directory.Path, options))
        {
            await store.PutAsync(Bytes("before"), Bytes("kept"));
            failWrites = true;
            var failed = await Assert.ThrowsAsync<ShardFailedException>(() => store.PutAsync(Bytes("during"), Bytes("lost")).AsTask());
            Assert.Contains("shard 0 failed to write its log", failed.Message);
            Assert.Contains("No space left on device", failed.Message);

            // Not a hang, not a silent success: every later write is refused too.
            failWrites = false;
            await Assert.ThrowsAsync<ShardFailedException>(() => store.PutAsync(Bytes("after"), Bytes("refused")).AsTask());
            Assert.Equal("kept", Text(store.Get(Bytes("before"))));
        }

        await using var reopened = LogStore.Open(_directory.Path, options);
        Assert.Equal("kept", Text(reopened.Get(Bytes("before"))));
        Assert.Null(reopened.Get(Bytes("during")));
        await reopened.PutAsync(Bytes("after"), Bytes("accepted"));
        Assert.Equal("accepted", Text(reopened.Get(Bytes("after"))));
    }

    [Fact]
    public async Task RecordsOfAWriterThatStoppedWaiting_AreStillWrittenByDispose()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await using (var store = LogStore.Open(_directory.Path, Options with { ShardCount = 1 }))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PutAsync(Bytes("k"), Bytes("v"), cancelled.Token).AsTask());
        }

        await using var reopened = LogStore.Open(_directory.Path, Options with { ShardCount = 1 });
        Assert.Equal("v", Text(reopened.Get(Bytes("k"))));
    }

    public void Dispose() => _directory.Dispose();
}
