using System.Buffers.Binary;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Storage;

/// <summary>Chunks: reading the log as stored bytes, and a follower's checks before it applies a peer's chunk.</summary>
public sealed class LogChunkTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AChunk_IsTheStoredBytes_BoundedByRecordsAndByBytes()
    {
        await using var store = await StoreWithAsync("store", 1, count: 300, valueBytes: 50);
        var recordSize = RecordCodec.EncodedLength(LogRecord.Put(1, default, Bytes("k000"), new byte[50]));

        var byRecords = await store.ReadLogChunkAsync(0, 10, maxRecords: 7, maxBytes: 1 << 20);
        Assert.Equal((10L, 7, 16L), (byRecords.FirstLsn, byRecords.Count, byRecords.LastLsn));
        Assert.Equal(7 * recordSize, byRecords.Bytes.Length);
        var active = await File.ReadAllBytesAsync(Path.Combine(_directory.Path, "store", "shard-000", "active.log"));
        Assert.Equal(active.AsSpan(9 * recordSize, 7 * recordSize).ToArray(), byRecords.Bytes.ToArray());

        var byBytes = await store.ReadLogChunkAsync(0, 1, maxRecords: 1000, maxBytes: (5 * recordSize) + 3);
        Assert.Equal(5, byBytes.Count);

        var oneOversized = await store.ReadLogChunkAsync(0, 1, maxRecords: 1000, maxBytes: 10);
        Assert.Equal(1, oneOversized.Count); // a record larger than the budget still travels, alone

        Assert.True((await store.ReadLogChunkAsync(0, store.NextLsn(0), 10, 4096)).IsEmpty);
        Assert.Contains("got LSN 0", (await Assert.ThrowsAsync<StoreArgumentException>(() => store.ReadLogChunkAsync(0, 0, 10, 4096).AsTask())).Message);
    }

    [Fact]
    public async Task ARecordLargerThanTheReadAhead_IsReadWhole()
    {
        await using var store = LogStore.Open(Path.Combine(_directory.Path, "big"), new StoreOptions { ShardCount = 1, Fsync = FsyncMode.Never });
        await store.PutAsync(Bytes("small"), Bytes("s"));
        var big = Enumerable.Range(0, 300_000).Select(i => (byte)i).ToArray();
        await store.PutAsync(Bytes("big"), big);

        var chunk = await store.ReadLogChunkAsync(0, 2, maxRecords: 10, maxBytes: 4096);
        var record = Assert.Single(chunk.Decode(int.MaxValue));
        Assert.Equal(big, record.Value.ToArray());
    }

    [Fact]
    public async Task AFollowerApplyingChunks_EndsWithTheLeadersRoot_AndReportsWhatItApplied()
    {
        await using var leader = await StoreWithAsync("leader", 1, count: 500, valueBytes: 20);
        await using var follower = LogStore.Open(Path.Combine(_directory.Path, "follower"), Options(2));
        var applied = new List<ChunkApplyResult>();
        while (follower.NextLsn(0) < leader.NextLsn(0))
        {
            applied.Add(await follower.ApplyReplicatedAsync(0, await leader.ReadLogChunkAsync(0, follower.NextLsn(0), 64, 1 << 20)));
        }

        Assert.Equal(await leader.StoreRootAsync(), await follower.StoreRootAsync());
        Assert.Equal(leader.NextLsn(0) - 1, applied.Sum(a => a.Records));
        Assert.Equal(leader.NextLsn(0) - 1, applied[^1].LastLsn);
        Assert.Equal(500 * (4 + 20), applied.Sum(a => a.KeyValueBytes));
        Assert.Equal(new RecordVersion(applied[^1].MaxVersion.Timestamp, 1), applied[^1].MaxVersion);
    }

    [Theory]
    [InlineData("checksum", "record 3 of 8 (LSN 4 expected, byte")]
    [InlineData("lsn", "record 3 of 8 has LSN 99, expected 4")]
    [InlineData("trailing", "3 bytes follow the 8 records")]
    [InlineData("cut", "is cut short")]
    public async Task ABadChunk_IsRejectedWhole_BeforeAnythingIsApplied(string damage, string expected)
    {
        await using var leader = await StoreWithAsync("leader", 1, count: 8, valueBytes: 20);
        await using var follower = LogStore.Open(Path.Combine(_directory.Path, "follower"), Options(2));
        var chunk = await leader.ReadLogChunkAsync(0, 1, 100, 1 << 20);
        var bytes = chunk.Bytes.ToArray();
        var size = bytes.Length / 8;
        switch (damage)
        {
            case "checksum": bytes[(3 * size) + 40] ^= 1; break;
            case "lsn": RewriteLsn(bytes.AsSpan(3 * size, size), 99); break;
            case "trailing": bytes = [.. bytes, 1, 2, 3]; break;
            case "cut": bytes = bytes[..^5]; break;
        }

        var error = await Assert.ThrowsAsync<StoreArgumentException>(() => follower.ApplyReplicatedAsync(0, chunk with { Bytes = bytes }).AsTask());
        Assert.Contains(expected, error.Message);
        Assert.Equal(1, follower.NextLsn(0));
        Assert.Null(follower.Get(Bytes("k000")));
    }

    [Fact]
    public async Task ARecordOfAnotherShard_OrBeyondTheLimits_IsRejected_NamingIt()
    {
        await using var follower = LogStore.Open(Path.Combine(_directory.Path, "follower"), Options(2) with { ShardCount = 2, MaxValueBytes = 10 });
        var key = Enumerable.Range(0, 100).Select(i => Bytes($"k{i}")).First(k => follower.ShardOf(k) == 1);
        var elsewhere = LogChunk.Encode([LogRecord.Put(1, new RecordVersion(5, 1), key, Bytes("v"))]);
        Assert.Contains("belongs to shard 1, not 0", (await Assert.ThrowsAsync<StoreArgumentException>(() => follower.ApplyReplicatedAsync(0, elsewhere).AsTask())).Message);

        var huge = LogChunk.Encode([LogRecord.Put(1, new RecordVersion(5, 1), key, new byte[11])]);
        Assert.Contains("11-byte value; this store allows keys of 1..65536 bytes and values of up to 10", (await Assert.ThrowsAsync<StoreArgumentException>(() => follower.ApplyReplicatedAsync(1, huge).AsTask())).Message);
        Assert.Equal(1, follower.NextLsn(1));
    }

    public void Dispose() => _directory.Dispose();

    private static StoreOptions Options(ulong origin) => new() { ShardCount = 1, Fsync = FsyncMode.Never, NodeOrigin = origin };

    private async Task<LogStore> StoreWithAsync(string name, ulong origin, int count, int valueBytes)
    {
        var store = LogStore.Open(Path.Combine(_directory.Path, name), Options(origin));
        await store.WriteAsync(Enumerable.Range(0, count).Select(i => WriteOperation.Put(Bytes($"k{i:D3}"), new byte[valueBytes])).ToList());
        return store;
    }

    /// <summary>Gives an encoded record another LSN and a checksum that matches, so only the LSN is wrong.</summary>
    private static void RewriteLsn(Span<byte> record, long lsn)
    {
        var body = record[RecordCodec.LengthPrefixSize..^RecordCodec.ChecksumSize];
        BinaryPrimitives.WriteInt64LittleEndian(body[2..], lsn);
        BinaryPrimitives.WriteUInt32LittleEndian(record[^RecordCodec.ChecksumSize..], Core.Hashing.Crc32C.Compute(body));
    }
}
