using System.Text;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Storage;

public sealed class SnapshotTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private static StoreOptions Options => new() { ShardCount = 3, SegmentRollBytes = 4096, Fsync = FsyncMode.Never };

    [Fact]
    public async Task ExportThenImport_ReproducesTheStore_RootCrcAndLengthAgree()
    {
        await using var source = await FilledStoreAsync("source", 500);
        var stream = new MemoryStream();
        var exported = await source.ExportSnapshotAsync(stream);
        Assert.Equal(exported.Length, stream.Length);
        Assert.Equal(await source.StoreRootAsync(), exported.StoreRoot);
        Assert.Equal(Crc32C.Compute(stream.GetBuffer().AsSpan(0, (int)stream.Length - 4)), exported.Crc32C);

        stream.Position = 0;
        var target = Path.Combine(_directory.Path, "replica");
        var imported = await LogStore.ImportSnapshotAsync(target, stream, Options);
        Assert.Equal(exported, imported);

        await using var replica = LogStore.Open(target, Options);
        Assert.Equal(exported.StoreRoot, await replica.StoreRootAsync());
        Assert.Equal(source.ListSegments().Select(s => s.Hash).Order(), replica.ListSegments().Select(s => s.Hash).Order());
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(source.Get(Key(i)), replica.Get(Key(i)));
        }

        for (var shard = 0; shard < 3; shard++)
        {
            Assert.Equal(source.NextLsn(shard), replica.NextLsn(shard));
        }

        // The replica continues the log where the snapshot left off.
        await replica.PutAsync(Key(9999), Encoding.UTF8.GetBytes("after import"));
        Assert.Equal("after import", Encoding.UTF8.GetString(replica.Get(Key(9999))!));
    }

    [Fact]
    public async Task Import_FsyncsEachSegmentsDirectory_SoTheManifestNeverNamesFilesAPowerCutCanUnmake()
    {
        await using var source = await FilledStoreAsync("durable-source", 500);
        Assert.All(Enumerable.Range(0, 3), shard => Assert.Contains(source.ListSegments(), s => s.Shard == shard));
        var stream = new MemoryStream();
        await source.ExportSnapshotAsync(stream);
        stream.Position = 0;
        var target = Path.Combine(_directory.Path, "durable-replica");
        var synced = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Record(string directory) => synced.Enqueue(directory);
        OrleansRepl.Core.Storage.Files.DurableFile.DirectorySynced += Record;
        try
        {
            await LogStore.ImportSnapshotAsync(target, stream, Options);
        }
        finally
        {
            OrleansRepl.Core.Storage.Files.DurableFile.DirectorySynced -= Record;
        }

        for (var shard = 0; shard < 3; shard++)
        {
            // The files were created under the staging directory, which is renamed into place whole.
            Assert.Contains(Path.Combine(target + ".import", $"shard-{shard:D3}", "segments"), synced);
        }
    }

    [Fact]
    public async Task ASnapshotTakenDuringWrites_HoldsAPrefixOfEachShardsLog()
    {
        await using var source = await FilledStoreAsync("source", 100);
        using var stop = new CancellationTokenSource();
        var next = 100;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested && next < 5000)
            {
                await source.PutAsync(Key(next), Value(next));
                next++;
            }
        });

        var stream = new MemoryStream();
        await Task.Delay(20);
        await source.ExportSnapshotAsync(stream);
        await stop.CancelAsync();
        await writer;

        stream.Position = 0;
        var target = Path.Combine(_directory.Path, "replica");
        await LogStore.ImportSnapshotAsync(target, stream, Options);
        await using var replica = LogStore.Open(target, Options);
        for (var shard = 0; shard < 3; shard++)
        {
            // Keys of one shard were written in order, so the snapshot must hold a prefix of them and nothing else.
            var present = Enumerable.Range(0, next).Where(i => i != 3 && source.ShardOf(Key(i)) == shard).Select(i => replica.Get(Key(i)) is not null).ToList(); // key 3 was deleted
            var firstAbsent = present.IndexOf(false);
            Assert.True(firstAbsent < 0 || present.Skip(firstAbsent).All(p => !p), $"shard {shard}: the snapshot holds a key after one it lacks");
        }

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(i == 3 ? null : Value(i), replica.Get(Key(i)));
        }
    }

    [Fact]
    public async Task DamagedOrShortStreams_InstallNothing_AndSayWhere()
    {
        await using var source = await FilledStoreAsync("source", 300);
        var stream = new MemoryStream();
        await source.ExportSnapshotAsync(stream);
        var bytes = stream.ToArray();
        var target = Path.Combine(_directory.Path, "replica");

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x10;
        var corrupt = await Assert.ThrowsAsync<SnapshotCorruptException>(() => LogStore.ImportSnapshotAsync(target, new MemoryStream(flipped), Options).AsTask());
        Assert.Contains("nothing was installed", corrupt.Message);

        var shortStream = await Assert.ThrowsAsync<SnapshotCorruptException>(() => LogStore.ImportSnapshotAsync(target, new MemoryStream(bytes[..^100]), Options).AsTask());
        Assert.Contains("ends", shortStream.Message);

        var trailer = (byte[])bytes.Clone();
        trailer[^1] ^= 0xFF;
        var crc = await Assert.ThrowsAsync<SnapshotCorruptException>(() => LogStore.ImportSnapshotAsync(target, new MemoryStream(trailer), Options).AsTask());
        Assert.Contains("declared CRC-32C", crc.Message);

        Assert.Null(LogStore.StoredShardCount(target));
        Assert.False(Directory.Exists(target + ".import"));
        await Assert.ThrowsAsync<ShardCountMismatchException>(() => LogStore.ImportSnapshotAsync(target, new MemoryStream(bytes), Options with { ShardCount = 4 }).AsTask());
    }

    [Fact]
    public async Task ALeftoverStagingDirectory_FromACrashedImport_IsDiscarded_AndNeverAStore()
    {
        await using var source = await FilledStoreAsync("source", 50);
        var stream = new MemoryStream();
        await source.ExportSnapshotAsync(stream);
        var target = Path.Combine(_directory.Path, "replica");
        Directory.CreateDirectory(Path.Combine(target + ".import", "shard-000"));
        await File.WriteAllTextAsync(Path.Combine(target + ".import", "STORE"), "half written");
        Assert.Null(LogStore.StoredShardCount(target));

        stream.Position = 0;
        await LogStore.ImportSnapshotAsync(target, stream, Options);
        await using var replica = LogStore.Open(target, Options);
        Assert.Equal(await source.StoreRootAsync(), await replica.StoreRootAsync());
    }

    [Fact]
    public async Task ImportIntoAnExistingStore_IsRefused()
    {
        await using var source = await FilledStoreAsync("source", 10);
        var stream = new MemoryStream();
        await source.ExportSnapshotAsync(stream);
        stream.Position = 0;
        var error = await Assert.ThrowsAsync<StoreArgumentException>(() => LogStore.ImportSnapshotAsync(source.Directory, stream, Options).AsTask());
        Assert.Contains("already holds a 3-shard store; a snapshot installs only where there is none", error.Message);
    }

    [Fact]
    public async Task ASealedSegmentOfSeveralReadPieces_ExportsWhole_AndImportsToTheSameRoot()
    {
        var options = new StoreOptions { ShardCount = 1, SegmentRollBytes = 3 << 20, Fsync = FsyncMode.Never };
        await using var source = LogStore.Open(Path.Combine(_directory.Path, "large"), options);
        for (var i = 0; i < 1000; i++)
        {
            await source.PutAsync(Key(i), new byte[4096]);
        }

        await source.SealAllAsync();
        Assert.Contains(source.ListSegments(), s => s.Bytes > 3 << 20); // more than three 1 MiB reads
        var stream = new MemoryStream();
        var exported = await source.ExportSnapshotAsync(stream);
        Assert.Equal(exported.Length, stream.Length);

        stream.Position = 0;
        var imported = await LogStore.ImportSnapshotAsync(Path.Combine(_directory.Path, "large-replica"), stream, options);
        Assert.Equal(exported, imported);
        Assert.Equal(await source.StoreRootAsync(), imported.StoreRoot);
    }

    [Fact]
    public async Task APinnedSnapshot_IsTheStoreAsOfThePin_WhileTheStoreGoesOnWritingAndSealing()
    {
        await using var source = await FilledStoreAsync("pinned", 300);
        var rootAtPin = await source.StoreRootAsync();
        using var pinned = await source.PinSnapshotAsync();
        for (var i = 300; i < 600; i++)
        {
            await source.PutAsync(Key(i), Value(i));
        }

        await source.SealAllAsync();
        Assert.NotEqual(rootAtPin, await source.StoreRootAsync());

        // Read it in odd-sized pieces, so reads straddle the header, segments and active copies.
        var stream = new MemoryStream();
        var piece = new byte[7777];
        var crc = Crc32C.Running();
        for (var offset = 0L; offset < pinned.PayloadLength;)
        {
            var read = await pinned.ReadAsync(offset, piece);
            crc.Append(piece.AsSpan(0, read));
            stream.Write(piece, 0, read);
            offset += read;
        }

        stream.Write(BitConverter.GetBytes(crc.GetCurrentHashAsUInt32()));
        Assert.Equal(pinned.Length, stream.Length);
        stream.Position = 0;
        var imported = await LogStore.ImportSnapshotAsync(Path.Combine(_directory.Path, "pinned-replica"), stream, Options);
        Assert.Equal(rootAtPin, imported.StoreRoot);
        Assert.Equal(rootAtPin, pinned.StoreRoot);
    }

    [Theory]
    [InlineData(-10)]
    [InlineData(5)]
    public async Task ASealedSegmentFileOfTheWrongLength_StopsTheExport_NamingTheFileAndTheLengths(int change)
    {
        await using var source = await FilledStoreAsync("damaged", 300);
        var segment = source.ListSegments()[0];
        var file = Path.Combine(source.Directory, $"shard-{segment.Shard:D3}", "segments", $"{segment.Hash}.seg");
        using (var resize = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            resize.SetLength(segment.Bytes + change);
        }

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => source.ExportSnapshotAsync(new MemoryStream()).AsTask());
        Assert.Contains($"shard {segment.Shard}: sealed segment {file} holds", error.Message);
        Assert.Contains($"holds {segment.Bytes + change} bytes where its manifest entry declares {segment.Bytes}", error.Message);
    }

    public void Dispose() => _directory.Dispose();

    private async Task<LogStore> FilledStoreAsync(string name, int count)
    {
        var store = LogStore.Open(Path.Combine(_directory.Path, name), Options);
        for (var i = 0; i < count; i++)
        {
            await store.PutAsync(Key(i), Value(i));
        }

        await store.DeleteAsync(Key(3));
        return store;
    }

    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"key-{i}");

    private static byte[] Value(int i) => Encoding.UTF8.GetBytes($"value-{i}-{new string('v', i % 30)}");
}
