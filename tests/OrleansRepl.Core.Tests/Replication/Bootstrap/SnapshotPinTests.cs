using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.Bootstrap;

/// <summary>A source's pinned snapshot: the stream's CRC at any offset, remembered or computed, and its trailer.</summary>
public sealed class SnapshotPinTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task TheCrcAtAnyOffset_IsTheExportedStreamsPrefixCrc_WhetherRememberedOrComputed_AndTheTrailerEndsTheStream()
    {
        await using var store = LogStore.Open(_directory.File("store"), new StoreOptions { ShardCount = 2, SegmentRollBytes = 16 << 10, Fsync = FsyncMode.Never });
        for (var i = 0; i < 2000; i++)
        {
            await store.PutAsync(Bytes($"key-{i}"), Bytes($"value-{i}-{new string('v', 50)}"));
        }

        var exported = new MemoryStream();
        var info = await store.ExportSnapshotAsync(exported);
        var stream = exported.ToArray();
        var pin = new SnapshotPin("token", await store.PinSnapshotAsync());
        using var snapshot = pin.Snapshot;
        var buffer = new byte[4096];

        pin.NoteCrc(10_000, Crc32C.Compute(stream.AsSpan(0, 10_000)));
        foreach (var offset in new long[] { 0, 1, 10_000, 10_001, 77_777, pin.Snapshot.PayloadLength })
        {
            Assert.Equal(Crc32C.Compute(stream.AsSpan(0, (int)offset)), await pin.CrcAtAsync(offset, buffer, CancellationToken.None));
        }

        // Past the payload, the CRC is the payload's; the trailer holds it, from wherever the stream resumes in it.
        Assert.Equal(info.Crc32C, await pin.CrcAtAsync(pin.Snapshot.Length, buffer, CancellationToken.None));
        var trailer = new byte[8];
        Assert.Equal(0, pin.TrailerInto(trailer, pin.Snapshot.PayloadLength - 1, info.Crc32C));
        Assert.Equal(4, pin.TrailerInto(trailer, pin.Snapshot.PayloadLength, info.Crc32C));
        Assert.Equal(stream[^4..], trailer[..4]);
        Assert.Equal(2, pin.TrailerInto(trailer, pin.Snapshot.PayloadLength + 2, info.Crc32C));
        Assert.Equal(stream[^2..], trailer[..2]);
    }

    public void Dispose() => _directory.Dispose();
}
