using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Storage;

/// <summary>
/// A shard that fails to write (an injected I/O error, then a real file system that fills up) refuses writes with a
/// clear error, shows as failed, and reopens itself from disk with every acknowledged write intact.
/// </summary>
public sealed class ShardFailureTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Theory]
    [InlineData("flush.write")]
    [InlineData("flush.fsync")]
    public async Task AnInjectedIoError_FailsTheShard_ThenItReopensItself_WithEveryAcknowledgedWrite(string point)
    {
        var failing = 0;
        var options = new StoreOptions
        {
            ShardCount = 1,
            ShardReopenDelay = TimeSpan.FromMilliseconds(200),
            FaultInjector = p =>
            {
                if (p == point && Volatile.Read(ref failing) == 1)
                {
                    throw new IOException("Input/output error (injected)");
                }
            },
        };
        await using var store = LogStore.Open(Path.Combine(_directory.Path, point), options);
        for (var i = 0; i < 100; i++)
        {
            await store.PutAsync(Bytes($"k{i}"), Bytes($"v{i}"));
        }

        Volatile.Write(ref failing, 1);
        var first = await Assert.ThrowsAsync<ShardFailedException>(() => store.PutAsync(Bytes("lost"), Bytes("never acknowledged")).AsTask());
        Assert.Contains("shard 0 failed to write its log (Input/output error (injected))", first.Message);
        var health = store.Health(0);
        Assert.True(health.Failed);
        Assert.Equal("Input/output error (injected)", health.Cause);
        Assert.Equal("v99", Text(store.Get(Bytes("k99"))!)); // reads go on

        // While the disk still fails, reopening keeps failing or the next write fails the shard again: no write is taken.
        await Assert.ThrowsAsync<ShardFailedException>(() => store.PutAsync(Bytes("also"), Bytes("refused")).AsTask());

        Volatile.Write(ref failing, 0);
        await Poll.UntilAsync(() => !store.Health(0).Failed, TimeSpan.FromSeconds(10), "the shard reopening");
        await store.PutAsync(Bytes("after"), Bytes("recovery"));
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal($"v{i}", Text(store.Get(Bytes($"k{i}"))!));
        }

        Assert.Equal("recovery", Text(store.Get(Bytes("after"))!));
    }

    [Fact]
    public async Task AFileSystemThatFillsUp_FailsTheShard_AndOnceSpaceIsFreedItTakesWritesAgain_LosingNothingAcknowledged()
    {
        using var tmpfs = new TmpfsMount(4 << 20);
        var options = new StoreOptions { ShardCount = 1, ShardReopenDelay = TimeSpan.FromMilliseconds(100) };
        var directory = Path.Combine(tmpfs.Path, "store");
        var filler = Path.Combine(tmpfs.Path, "filler");
        var value = new byte[1000];
        var acknowledged = 0;
        await using (var store = LogStore.Open(directory, options))
        {
            await File.WriteAllBytesAsync(filler, new byte[3 << 20]);
            ShardFailedException? failure = null;
            for (var i = 0; i < 10_000 && failure is null; i++)
            {
                try
                {
                    await store.PutAsync(Bytes($"key-{i}"), Fill(value, i));
                    acknowledged++;
                }
                catch (ShardFailedException e)
                {
                    failure = e;
                }
            }

            Assert.NotNull(failure);
            Assert.Contains("No space left on device", failure.Message);
            Assert.InRange(acknowledged, 100, 1100);
            Assert.True(store.Health(0).Failed);

            File.Delete(filler);
            var next = acknowledged;
            await Poll.UntilAsync(async () =>
            {
                try
                {
                    await store.PutAsync(Bytes($"key-{next}"), Fill(value, next));
                    return true;
                }
                catch (ShardFailedException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(15), "a write after space was freed");
            acknowledged++;
            Assert.False(store.Health(0).Failed);
            AssertAcknowledged(store, acknowledged, value);
        }

        await using var reopened = LogStore.Open(directory, options);
        AssertAcknowledged(reopened, acknowledged, value);
    }

    public void Dispose() => _directory.Dispose();

    private static void AssertAcknowledged(LogStore store, int count, byte[] value)
    {
        for (var i = 0; i < count; i++)
        {
            Assert.Equal(Fill(value, i), store.Get(Bytes($"key-{i}")));
        }
    }

    private static byte[] Fill(byte[] buffer, int i)
    {
        Array.Fill(buffer, (byte)(i % 251));
        return buffer;
    }
}
