using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Replication.Bootstrap;

/// <summary>The receiving side of a snapshot transfer (offsets, CRC, the partial file, plus resume), on real files.</summary>
public sealed class SnapshotSinkTests : IDisposable
{
    private const int Piece = 256 << 10;
    private readonly TempDirectory _directory = new();

    [Fact]
    public void AWholeSnapshot_ArrivesInPieces_IsCheckedAndRenamed_AndProgressIsReportedEveryMiB()
    {
        var snapshot = Bytes(3 << 20);
        var progress = new List<SnapshotProgress>();
        using var sink = new SnapshotSink(_directory.File("recv"), progress.Add);

        var received = SendAll(sink, snapshot);

        Assert.NotNull(received);
        Assert.EndsWith("node-a.token-1.snapshot", received.Path);
        Assert.Equal(snapshot, File.ReadAllBytes(received.Path));
        Assert.False(File.Exists(sink.PartialPath("node-a", "token-1")));
        Assert.True(progress.Count >= 3, $"{progress.Count} progress reports for 3 MiB");
        Assert.Equal(progress.Select(p => p.BytesDone).Order(), progress.Select(p => p.BytesDone)); // monotonic
        Assert.Equal(new SnapshotProgress("token-1", snapshot.Length, snapshot.Length), progress[^1]);
    }

    [Fact]
    public void ACrcMismatch_RejectsTheLastPiece_NamingBothCrcs_AndDeletesThePartialFile()
    {
        var snapshot = Bytes(600_000);
        using var sink = new SnapshotSink(_directory.File("recv"));
        var declared = Crc32C.Compute(snapshot) ^ 1;

        var error = Assert.Throws<SnapshotCrcMismatchException>(() => SendAll(sink, snapshot, declaredCrc: declared));
        Assert.Contains($"snapshot token-1 fails its CRC-32C: declared {declared:x8}, computed {Crc32C.Compute(snapshot):x8}", error.Message);
        Assert.False(File.Exists(sink.PartialPath("node-a", "token-1")));
    }

    [Fact]
    public void AFlippedByteInAPiece_IsCaughtByTheCrc()
    {
        var snapshot = Bytes(700_000);
        using var sink = new SnapshotSink(_directory.File("recv"));
        Assert.Throws<SnapshotCrcMismatchException>(() => SendAll(sink, snapshot, flipAt: 400_000));
    }

    [Fact]
    public void AnEmptySnapshot_WithCrcZero_Commits()
    {
        using var sink = new SnapshotSink(_directory.File("recv"));
        var received = sink.Accept(Envelope([], 0, 0, 0, done: true));
        Assert.NotNull(received);
        Assert.Empty(File.ReadAllBytes(received.Path));
    }

    [Fact]
    public void AnOffsetThatIsNotTheNextOne_IsARegression_NamingBoth()
    {
        var snapshot = Bytes(3 * Piece);
        using var sink = new SnapshotSink(_directory.File("recv"));
        Assert.Equal("snapshot offset regression for token-1: expected 0, got 262144",
            Assert.Throws<SnapshotOffsetRegressionException>(() => sink.Accept(Envelope(snapshot, Piece, Piece, Crc32C.Compute(snapshot)))).Message);

        sink.Accept(Envelope(snapshot, 0, Piece, Crc32C.Compute(snapshot)));
        Assert.Equal("snapshot offset regression for token-1: expected 262144, got 524288",
            Assert.Throws<SnapshotOffsetRegressionException>(() => sink.Accept(Envelope(snapshot, 2 * Piece, Piece, Crc32C.Compute(snapshot)))).Message);
        Assert.Equal(Piece, sink.NextOffset); // nothing of the bad piece was taken
    }

    [Fact]
    public void APieceOfAnotherTransfer_IsATransportError_AndTheNextTransferStartsFromZero()
    {
        var snapshot = Bytes(3 * Piece);
        using var sink = new SnapshotSink(_directory.File("recv"));
        sink.Accept(Envelope(snapshot, 0, Piece, Crc32C.Compute(snapshot)));

        var other = Envelope(snapshot, Piece, Piece, Crc32C.Compute(snapshot)) with { TotalCrc32C = 7 };
        Assert.Contains("does not belong to the transfer", Assert.Throws<SnapshotTransportException>(() => sink.Accept(other)).Message);
        Assert.False(File.Exists(sink.PartialPath("node-a", "token-1")));
        Assert.Throws<SnapshotOffsetRegressionException>(() => sink.Accept(Envelope(snapshot, Piece, Piece, Crc32C.Compute(snapshot))));
        Assert.NotNull(SendAll(sink, snapshot));
    }

    [Fact]
    public void AfterACrash_TheTransferResumesFromTheCheckpointedOffset_AndFinishes()
    {
        var snapshot = Bytes(5 * Piece);
        long offset;
        uint crc;
        using (var first = new SnapshotSink(_directory.File("recv")))
        {
            for (var at = 0; at < 3 * Piece; at += Piece)
            {
                first.Accept(Envelope(snapshot, at, Piece, Crc32C.Compute(snapshot)));
            }

            (offset, crc) = first.Sync();
            first.Accept(Envelope(snapshot, 3 * Piece, Piece, Crc32C.Compute(snapshot))); // after the checkpoint: lost with the crash
        }

        using var second = new SnapshotSink(_directory.File("recv"));
        Assert.True(second.TryResume("node-a", "token-1", offset, crc, out var reason), reason);
        Assert.Equal(3 * Piece, second.NextOffset);
        SnapshotReceived? received = null;
        for (var at = (int)offset; at < snapshot.Length; at += Piece)
        {
            received = second.Accept(Envelope(snapshot, at, Piece, Crc32C.Compute(snapshot), done: at + Piece == snapshot.Length));
        }

        Assert.Equal(snapshot, File.ReadAllBytes(received!.Path));
    }

    [Fact]
    public void APartialFileThatNoLongerMatchesItsCheckpoint_IsNotResumed_AndIsDeleted()
    {
        var snapshot = Bytes(2 * Piece);
        using (var first = new SnapshotSink(_directory.File("recv")))
        {
            first.Accept(Envelope(snapshot, 0, Piece, Crc32C.Compute(snapshot)));
            first.Sync();
        }

        using var second = new SnapshotSink(_directory.File("recv"));
        Assert.False(second.TryResume("node-a", "token-1", Piece, 12345, out var reason));
        Assert.Contains($"the first {Piece} bytes of", reason);
        Assert.Contains("not the checkpointed 00003039", reason);
        Assert.False(File.Exists(second.PartialPath("node-a", "token-1")));
        Assert.False(second.TryResume("node-a", "token-1", Piece, 12345, out reason));
        Assert.Contains("no partial file", reason);
    }

    [Fact]
    public void Abort_RemovesThePartialFile()
    {
        var snapshot = Bytes(2 * Piece);
        using var sink = new SnapshotSink(_directory.File("recv"));
        sink.Accept(Envelope(snapshot, 0, Piece, Crc32C.Compute(snapshot)));
        Assert.True(File.Exists(sink.PartialPath("node-a", "token-1")));
        sink.Abort();
        Assert.False(File.Exists(sink.PartialPath("node-a", "token-1")));
    }

    [Theory]
    [InlineData("../../etc", "token-1")]
    [InlineData("node-a", "..")]
    [InlineData("node-a", "a/b")]
    public void PeerSuppliedIds_NeverBecomePathsUnchecked(string node, string token)
    {
        using var sink = new SnapshotSink(_directory.File("recv"));
        Assert.Throws<UnsafeNameException>(() => sink.Accept(Envelope([1, 2, 3], 0, 3, Crc32C.Compute([1, 2, 3]), done: true) with { SourceNode = node, Token = token }));
        Assert.Equal([_directory.File("recv")], Directory.GetFileSystemEntries(_directory.Path, "*", SearchOption.AllDirectories));
    }

    public void Dispose() => _directory.Dispose();

    private static byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }

    private static SnapshotEnvelope Envelope(byte[] snapshot, int offset, int length, uint crc, bool done = false) =>
        new("cluster", "node-a", "token-1", [10, 20], snapshot.Length, crc, default(Blake3Hash), offset, snapshot.AsMemory(offset, length), done);

    private static SnapshotReceived? SendAll(SnapshotSink sink, byte[] snapshot, uint? declaredCrc = null, int flipAt = -1)
    {
        var wire = snapshot.ToArray();
        if (flipAt >= 0)
        {
            wire[flipAt] ^= 0x10;
        }

        SnapshotReceived? received = null;
        for (var at = 0; at < wire.Length; at += Piece)
        {
            var length = Math.Min(Piece, wire.Length - at);
            received = sink.Accept(Envelope(wire, at, length, declaredCrc ?? Crc32C.Compute(snapshot), done: at + length == wire.Length));
        }

        return received;
    }
}
