using System.Buffers.Binary;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.Bootstrap;

/// <summary>
/// The receiving side of a snapshot transfer on real files: pieces installed as they arrive into a staging store,
/// every part verified, offsets and resume after a crash, and nothing kept of a snapshot that fails.
/// </summary>
public sealed class SnapshotSinkTests : IDisposable
{
    private const int Piece = 100_000; // not a divisor of any part: pieces straddle segment boundaries
    private static readonly StoreOptions Options = new() { ShardCount = 2, SegmentRollBytes = 256 << 10, Fsync = FsyncMode.Never };
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AWholeSnapshot_ArrivesInPieces_AndIsAStoreWithTheSourcesRoot_ProgressEveryMiB()
    {
        var (snapshot, info) = await ExportAsync("source", 3000);
        var progress = new List<SnapshotProgress>();
        using var sink = Sink(progress.Add);

        var received = await SendAllAsync(sink, snapshot, info);

        Assert.NotNull(received);
        Assert.Equal(sink.PartialPath("node-a", "token-1"), received.Path);
        Assert.Equal(info, received.Installed);
        Assert.False(File.Exists(Path.Combine(received.Path, "snapshot.header")));
        Assert.True(progress.Count >= 3, $"{progress.Count} progress reports for {snapshot.Length} bytes");
        Assert.Equal(progress.Select(p => p.BytesDone).Order(), progress.Select(p => p.BytesDone)); // monotonic
        Assert.Equal(new SnapshotProgress("token-1", snapshot.Length, snapshot.Length), progress[^1]);

        var installed = _directory.File("installed");
        Directory.Move(received.Path, installed);
        await using var replica = LogStore.Open(installed, Options);
        Assert.Equal(info.StoreRoot, await replica.StoreRootAsync());
        Assert.Equal(Value(2999), replica.Get(Key(2999)));
    }

    [Fact]
    public async Task AFlippedByteInASegment_IsCaughtByItsHash_NamingIt_AndNothingIsKept()
    {
        var (snapshot, info) = await ExportAsync("source", 2000);
        using var sink = Sink();
        var at = HeaderLength(snapshot) + 1000; // inside shard 0's first sealed segment
        snapshot[at] ^= 0x10;

        var error = await Assert.ThrowsAsync<SnapshotCorruptException>(() => SendAllAsync(sink, snapshot, info));
        Assert.Matches("segment [0-9a-f]{64} of shard 0 hashes to [0-9a-f]{64}; nothing was installed", error.Message);
        Assert.False(Directory.Exists(sink.PartialPath("node-a", "token-1")));
    }

    [Fact]
    public async Task ATrailerThatIsNotTheCrc_IsRefused_NamingBoth_AndNothingIsKept()
    {
        var (snapshot, info) = await ExportAsync("source", 500);
        using var sink = Sink();
        snapshot[^1] ^= 0xFF;

        var error = await Assert.ThrowsAsync<SnapshotCorruptException>(() => SendAllAsync(sink, snapshot, info));
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(snapshot.AsSpan(snapshot.Length - 4));
        Assert.Contains($"declared CRC-32C {declared:x8}, computed {info.Crc32C:x8}", error.Message);
        Assert.False(Directory.Exists(sink.PartialPath("node-a", "token-1")));
    }

    [Fact]
    public async Task AStoreRootOtherThanTheSources_IsRefused_AndNothingIsKept()
    {
        var (snapshot, info) = await ExportAsync("source", 500);
        using var sink = Sink();

        var error = await Assert.ThrowsAsync<SnapshotTransportException>(() => SendAllAsync(sink, snapshot, info with { StoreRoot = Blake3Hasher.Hash(Bytes("another store")) }));
        Assert.Contains($"installs to store root {info.StoreRoot}, not the source's", error.Message);
        Assert.False(Directory.Exists(sink.PartialPath("node-a", "token-1")));
    }

    [Fact]
    public async Task APartLargerThanThisStoreAccepts_IsRefusedFromTheHeader_BeforeAnythingIsWritten()
    {
        var (snapshot, info) = await ExportAsync("source", 2000);
        var header = HeaderLength(snapshot);
        var huge = 1L << 30;
        var entry = 8 + 8 + 4 + 8 + 8 + 8 + 4; // shard 0's first segment entry
        var declared = (long)BinaryPrimitives.ReadUInt64LittleEndian(snapshot.AsSpan(entry + 48));
        BinaryPrimitives.WriteUInt64LittleEndian(snapshot.AsSpan(entry + 48), (ulong)huge);
        BinaryPrimitives.WriteUInt64LittleEndian(snapshot.AsSpan(8), (ulong)(snapshot.Length - declared + huge));
        using var sink = Sink();

        var first = Envelope(snapshot, info, 0, header) with { TotalBytes = snapshot.Length - declared + huge };
        var error = await Assert.ThrowsAsync<SnapshotCorruptException>(() => sink.AcceptAsync(first).AsTask());
        Assert.Contains($"of shard 0 is {huge} bytes, more than the {256L << 20} a part may be here", error.Message);
        Assert.Equal([_directory.File("recv")], Directory.GetFileSystemEntries(_directory.Path, "*", SearchOption.AllDirectories).Where(p => p.StartsWith(_directory.File("recv"), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AnOffsetThatIsNotTheNextOne_IsARegression_NamingBoth()
    {
        var (snapshot, info) = await ExportAsync("source", 1000);
        using var sink = Sink();
        Assert.Equal($"snapshot offset regression for token-1: expected 0, got {Piece}",
            (await Assert.ThrowsAsync<SnapshotOffsetRegressionException>(() => sink.AcceptAsync(Envelope(snapshot, info, Piece, Piece)).AsTask())).Message);

        await sink.AcceptAsync(Envelope(snapshot, info, 0, Piece));
        Assert.Equal($"snapshot offset regression for token-1: expected {Piece}, got {2 * Piece}",
            (await Assert.ThrowsAsync<SnapshotOffsetRegressionException>(() => sink.AcceptAsync(Envelope(snapshot, info, 2 * Piece, Piece)).AsTask())).Message);
        Assert.Equal(Piece, sink.NextOffset); // nothing of the bad piece was taken
    }

    [Fact]
    public async Task APieceOfAnotherTransfer_IsATransportError_AndTheNextTransferStartsFromZero()
    {
        var (snapshot, info) = await ExportAsync("source", 1000);
        using var sink = Sink();
        await sink.AcceptAsync(Envelope(snapshot, info, 0, Piece));

        var other = Envelope(snapshot, info, Piece, Piece) with { StoreRoot = Blake3Hasher.Hash(Bytes("another store")) };
        Assert.Contains("does not belong to the transfer", (await Assert.ThrowsAsync<SnapshotTransportException>(() => sink.AcceptAsync(other).AsTask())).Message);
        Assert.False(Directory.Exists(sink.PartialPath("node-a", "token-1")));
        await Assert.ThrowsAsync<SnapshotOffsetRegressionException>(() => sink.AcceptAsync(Envelope(snapshot, info, Piece, Piece)).AsTask());
        Assert.NotNull(await SendAllAsync(sink, snapshot, info));
    }

    [Theory]
    [InlineData(3)] // inside a segment
    [InlineData(7)]
    public async Task AfterACrash_TheTransferResumesFromTheCheckpointedOffset_AndInstallsTheSameStore(int piecesBeforeCheckpoint)
    {
        var (snapshot, info) = await ExportAsync("source", 3000);
        long offset;
        uint crc;
        using (var first = Sink())
        {
            for (var at = 0; at < piecesBeforeCheckpoint * Piece; at += Piece)
            {
                await first.AcceptAsync(Envelope(snapshot, info, at, Piece));
            }

            (offset, crc) = await first.SyncInBackground()!;
            await first.AcceptAsync(Envelope(snapshot, info, (int)offset, Piece)); // after the checkpoint: lost with the crash
        }

        using var second = Sink();
        Assert.Null(await second.TryResumeAsync("node-a", "token-1", offset, crc, CancellationToken.None));
        Assert.Equal(piecesBeforeCheckpoint * Piece, second.NextOffset);
        Assert.Equal(crc, second.CrcSoFar);
        var received = await SendAllAsync(second, snapshot, info, from: (int)offset);

        Assert.Equal(info, received!.Installed);
        Directory.Move(received.Path, _directory.File("resumed"));
        await using var replica = LogStore.Open(_directory.File("resumed"), Options);
        Assert.Equal(info.StoreRoot, await replica.StoreRootAsync());
    }

    [Fact]
    public async Task AStagingDirectoryThatNoLongerMatchesItsCheckpoint_IsNotResumed_AndIsDeleted()
    {
        var (snapshot, info) = await ExportAsync("source", 1000);
        using (var first = Sink())
        {
            await first.AcceptAsync(Envelope(snapshot, info, 0, Piece));
            await first.SyncInBackground()!;
        }

        using var second = Sink();
        var reason = await second.TryResumeAsync("node-a", "token-1", Piece, 12345, CancellationToken.None);
        Assert.Contains($"the first {Piece} bytes in {second.PartialPath("node-a", "token-1")} have CRC-32C", reason);
        Assert.Contains("not the checkpointed 00003039", reason);
        Assert.False(Directory.Exists(second.PartialPath("node-a", "token-1")));
        Assert.Contains("no staging directory", await second.TryResumeAsync("node-a", "token-1", Piece, 12345, CancellationToken.None));
    }

    [Fact]
    public async Task ASegmentDamagedOnDiskBeforeTheResume_IsCaughtByTheReplay_AndNotResumed()
    {
        var (snapshot, info) = await ExportAsync("source", 3000);
        long offset;
        uint crc;
        using (var first = Sink())
        {
            for (var at = 0; at < 6 * Piece; at += Piece)
            {
                await first.AcceptAsync(Envelope(snapshot, info, at, Piece));
            }

            (offset, crc) = await first.SyncInBackground()!;
        }

        var partial = Sink().PartialPath("node-a", "token-1");
        var segment = Directory.GetFiles(Path.Combine(partial, "shard-000", "segments")).OrderBy(File.GetLastWriteTimeUtc).First();
        var bytes = await File.ReadAllBytesAsync(segment);
        bytes[500] ^= 0x01;
        await File.WriteAllBytesAsync(segment, bytes);

        using var second = Sink();
        var reason = await second.TryResumeAsync("node-a", "token-1", offset, crc, CancellationToken.None);
        Assert.NotNull(reason);
        Assert.False(Directory.Exists(partial));
    }

    [Fact]
    public async Task Abort_RemovesTheStagingDirectory()
    {
        var (snapshot, info) = await ExportAsync("source", 1000);
        using var sink = Sink();
        await sink.AcceptAsync(Envelope(snapshot, info, 0, Piece));
        Assert.True(Directory.Exists(sink.PartialPath("node-a", "token-1")));
        sink.Abort();
        Assert.False(Directory.Exists(sink.PartialPath("node-a", "token-1")));
    }

    [Theory]
    [InlineData("../../etc", "token-1")]
    [InlineData("node-a", "..")]
    [InlineData("node-a", "a/b")]
    public async Task PeerSuppliedIds_NeverBecomePathsUnchecked(string node, string token)
    {
        var (snapshot, info) = await ExportAsync("source", 10);
        using var sink = Sink();
        await Assert.ThrowsAsync<UnsafeNameException>(() => sink.AcceptAsync(Envelope(snapshot, info, 0, snapshot.Length, done: true) with { SourceNode = node, Token = token }).AsTask());
        Assert.Empty(Directory.GetFileSystemEntries(_directory.File("recv")));
    }

    public void Dispose() => _directory.Dispose();

    private SnapshotSink Sink(Action<SnapshotProgress>? progress = null) => new(_directory.File("recv"), Options, progress);

    private async Task<(byte[] Snapshot, SnapshotInfo Info)> ExportAsync(string name, int records)
    {
        await using var store = LogStore.Open(_directory.File(name), Options);
        for (var i = 0; i < records; i++)
        {
            await store.PutAsync(Key(i), Value(i));
        }

        var stream = new MemoryStream();
        var info = await store.ExportSnapshotAsync(stream);
        return (stream.ToArray(), info);
    }

    private static byte[] Key(int i) => Bytes($"key-{i:D6}");

    private static byte[] Value(int i) => Bytes($"value-{i}-" + new string('v', 1000));

    /// <summary>The header's length: the prefix, then per shard its fixed part and its segment entries.</summary>
    private static int HeaderLength(byte[] snapshot)
    {
        var at = 20;
        var shards = BinaryPrimitives.ReadUInt32LittleEndian(snapshot.AsSpan(16));
        for (var i = 0; i < shards; i++)
        {
            at += 28 + ((int)BinaryPrimitives.ReadUInt32LittleEndian(snapshot.AsSpan(at + 24)) * 65);
        }

        return at;
    }

    private static SnapshotEnvelope Envelope(byte[] snapshot, SnapshotInfo info, int offset, int length, bool done = false) =>
        new("cluster", "node-a", "token-1", info.ShardLsns, snapshot.Length, info.StoreRoot, offset, snapshot.AsMemory(offset, Math.Min(length, snapshot.Length - offset)), done);

    private static async Task<SnapshotReceived?> SendAllAsync(SnapshotSink sink, byte[] snapshot, SnapshotInfo info, int from = 0)
    {
        SnapshotReceived? received = null;
        for (var at = from; at < snapshot.Length; at += Piece)
        {
            var length = Math.Min(Piece, snapshot.Length - at);
            received = await sink.AcceptAsync(Envelope(snapshot, info, at, length, done: at + length == snapshot.Length));
        }

        return received;
    }
}
