using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Index;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Storage.Index;

/// <summary>
/// A store opened with the index its snapshot install built, in place of reading its sealed segments again: it must
/// answer exactly as the same store opened from disk, and be used only for the store it describes.
/// </summary>
public sealed class InstalledIndexTests : IDisposable
{
    private static readonly StoreOptions Options = new() { ShardCount = 2, SegmentRollBytes = 64 << 10, Fsync = FsyncMode.Never };
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AStoreOpenedWithItsInstallsIndex_AnswersReadsScansAndLogReadsAsTheSameStoreReadFromDisk()
    {
        var (installed, index) = await InstallAsync("source", "installed");
        TempDirectory.CopyStore(installed, _directory.File("copy"));
        await using var seeded = LogStore.Open(installed, Options, index);
        await using var read = LogStore.Open(_directory.File("copy"), Options);

        Assert.Equal(2, index.ShardCount);
        Assert.Equal(read.Scan([]).Select(p => (Text(p.Key), Text(p.Value))).Order(), seeded.Scan([]).Select(p => (Text(p.Key), Text(p.Value))).Order());
        for (var i = 0; i < 3000; i++)
        {
            Assert.Equal(read.Get(Key(i)), seeded.Get(Key(i)));
        }

        Assert.Null(seeded.Get(Key(7))); // deleted before the snapshot
        Assert.Equal(Bytes("rewritten-11"), seeded.Get(Key(11)));
        for (var shard = 0; shard < 2; shard++)
        {
            Assert.Equal(read.NextLsn(shard), seeded.NextLsn(shard));
            foreach (var from in new long[] { 1, 65, 130, 1000, read.NextLsn(shard) - 3 })
            {
                var expected = await read.ReadLogChunkAsync(shard, from, 50, 1 << 20);
                var actual = await seeded.ReadLogChunkAsync(shard, from, 50, 1 << 20);
                Assert.Equal((expected.FirstLsn, expected.Count), (actual.FirstLsn, actual.Count));
                Assert.Equal(expected.Bytes.ToArray(), actual.Bytes.ToArray());
            }
        }

        Assert.Equal(await read.StoreRootAsync(), await seeded.StoreRootAsync());

        // It goes on as a store: a later write of a key wins over the one the index holds.
        await seeded.PutAsync(Key(11), Bytes("after the install"));
        Assert.Equal(Bytes("after the install"), seeded.Get(Key(11)));
    }

    [Fact]
    public async Task TheIndexStandsInForReading_SoADamagedSegmentIsNotReadOnThatOpen_ButIsOnTheNext()
    {
        var (installed, index) = await InstallAsync("damaged-source", "damaged");
        var segment = Directory.GetFiles(Path.Combine(installed, "shard-000", "segments")).First();
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[bytes.Length / 2] ^= 0x20; // same length: only reading the file can tell
        await File.WriteAllBytesAsync(segment, bytes);

        await using (LogStore.Open(installed, Options, index))
        {
            // Opened from the index: the segment was not read.
        }

        var error = Assert.Throws<ShardDamagedException>(() => LogStore.Open(installed, Options));
        Assert.Contains(Path.GetFileName(segment), error.Message);
    }

    [Fact]
    public async Task AnIndexThatDoesNotDescribeTheStore_IsNotUsed()
    {
        var (_, index) = await InstallAsync("source-a", "installed-a");
        var other = _directory.File("other");
        await using (var store = LogStore.Open(other, Options))
        {
            for (var i = 0; i < 3000; i++)
            {
                await store.PutAsync(Key(i), Bytes($"other-{i}"));
            }

            await store.SealAllAsync();
        }

        await using var opened = LogStore.Open(other, Options, index);
        Assert.Equal(Bytes("other-11"), opened.Get(Key(11)));
        Assert.Equal(Bytes("other-7"), opened.Get(Key(7)));
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>A store with overwrites and a delete, sealed into several segments, snapshotted and installed with indexing.</summary>
    private async Task<(string Installed, InstalledIndex Index)> InstallAsync(string source, string target)
    {
        var stream = new MemoryStream();
        SnapshotInfo info;
        await using (var store = LogStore.Open(_directory.File(source), Options))
        {
            for (var i = 0; i < 3000; i++)
            {
                await store.PutAsync(Key(i), Bytes($"value-{i}-{new string('v', 100)}"));
            }

            await store.PutAsync(Key(11), Bytes("rewritten-11"));
            await store.DeleteAsync(Key(7));
            await store.SealAllAsync();
            await store.PutAsync(Key(3001), Bytes("in the active segment"));
            info = await store.ExportSnapshotAsync(stream);
        }

        using var sink = new SnapshotSink(_directory.File("recv"), Options, indexing: true);
        var snapshot = stream.ToArray();
        SnapshotReceived? received = null;
        for (var at = 0; at < snapshot.Length; at += 50_000)
        {
            var length = Math.Min(50_000, snapshot.Length - at);
            received = await sink.AcceptAsync(new SnapshotEnvelope("cluster", "node-a", "token-1", info.ShardLsns, snapshot.Length, info.StoreRoot, at, snapshot.AsMemory(at, length), at + length == snapshot.Length));
        }

        Assert.NotNull(received);
        Assert.NotNull(received.Index);
        var installed = _directory.File(target);
        Directory.Move(received.Path, installed);
        return (installed, received.Index);
    }

    private static byte[] Key(int i) => Bytes($"key-{i:D5}");

    private static string Text(byte[] bytes) => System.Text.Encoding.UTF8.GetString(bytes);
}
