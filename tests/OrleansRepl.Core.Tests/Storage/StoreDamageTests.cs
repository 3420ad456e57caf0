using System.Text;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Storage;

/// <summary>Real damage to real store files, then a reopen: what was whole before the damage survives, nothing is invented.</summary>
public sealed class StoreDamageTests : IDisposable
{
    private const int Records = 400;
    private readonly TempDirectory _root = new();
    private readonly string _original;

    public StoreDamageTests()
    {
        _original = Path.Combine(_root.Path, "original");
    }

    private static StoreOptions Options => new() { ShardCount = 2, Fsync = FsyncMode.Always, SegmentRollBytes = 64 << 20 };

    [Fact]
    public async Task TruncatedActiveSegment_KeepsEveryWholeRecord_AndReportsTheCut()
    {
        await WriteOriginalAsync();
        var active = ActivePath(_original, 0);
        var layout = Layout(active);
        var random = new Random(1);
        for (var trial = 0; trial < 25; trial++)
        {
            var cut = random.Next(0, (int)new FileInfo(active).Length);
            var copy = CopyOriginal($"truncate-{trial}");
            using (var file = new FileStream(ActivePath(copy, 0), FileMode.Open))
            {
                file.SetLength(cut);
            }

            var keptUpTo = layout.Where(r => r.End <= cut).Select(r => r.End).DefaultIfEmpty(0).Max();
            await using var store = LogStore.Open(copy, Options);
            Assert.Equal(cut - keptUpTo, store.OpenReport.DroppedBytesPerShard[0]);
            AssertSurvivors(store, layout, keptUpTo);
        }
    }

    [Fact]
    public async Task FlippedByteInActiveSegment_CutsFromTheDamagedRecord_AndWritesContinue()
    {
        await WriteOriginalAsync();
        var layout = Layout(ActivePath(_original, 0));
        var length = new FileInfo(ActivePath(_original, 0)).Length;
        var random = new Random(2);
        for (var trial = 0; trial < 25; trial++)
        {
            var at = random.Next(0, (int)length);
            var copy = CopyOriginal($"flip-{trial}");
            var bytes = File.ReadAllBytes(ActivePath(copy, 0));
            bytes[at] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(ActivePath(copy, 0), bytes);

            var damagedStart = layout.First(r => r.End > at).Start;
            await using (var store = LogStore.Open(copy, Options))
            {
                Assert.Equal(length - damagedStart, store.OpenReport.DroppedBytesPerShard[0]);
                AssertSurvivors(store, layout, damagedStart);
                await store.PutAsync(Key(100_000), Value(100_000));
            }

            await using var reopened = LogStore.Open(copy, Options);
            Assert.Equal(0, reopened.OpenReport.DroppedBytes);
            Assert.Equal(Value(100_000), reopened.Get(Key(100_000)));
        }
    }

    [Fact]
    public async Task FlippedByteInASealedSegment_RefusesToOpen_NamingTheSegmentAndOffset()
    {
        await WriteOriginalAsync(seal: true);
        var segment = Directory.GetFiles(Path.Combine(_original, "shard-001", "segments")).First();
        var bytes = File.ReadAllBytes(segment);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(segment, bytes);

        var error = Assert.Throws<SegmentCorruptException>(() => LogStore.Open(_original, Options));
        Assert.Equal(Path.GetFileNameWithoutExtension(segment), error.Segment);
        Assert.Contains(Path.GetFileNameWithoutExtension(segment), error.Message);
        Assert.InRange(error.Offset, 0, bytes.Length / 2);
    }

    [Fact]
    public async Task MissingSealedSegment_RefusesToOpen_NamingIt()
    {
        await WriteOriginalAsync(seal: true);
        var segment = Directory.GetFiles(Path.Combine(_original, "shard-000", "segments")).First();
        File.Delete(segment);
        var error = Assert.Throws<SegmentCorruptException>(() => LogStore.Open(_original, Options));
        Assert.Contains(Path.GetFileNameWithoutExtension(segment), error.Message);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public async Task ManifestNamingAPathInsteadOfAHash_IsRefused()
    {
        await WriteOriginalAsync(seal: true);
        var manifest = Path.Combine(_original, "shard-000", "MANIFEST");
        var text = File.ReadAllText(manifest);
        var hash = Path.GetFileNameWithoutExtension(Directory.GetFiles(Path.Combine(_original, "shard-000", "segments")).Single());
        File.WriteAllText(manifest, text.Replace(hash, "../../../../etc/passwd"));

        var error = Assert.Throws<SegmentCorruptException>(() => LogStore.Open(_original, Options));
        Assert.Contains("is not 64 lowercase hex digits", error.Message);
    }

    [Fact]
    public async Task CrashAfterTheSealRecordWasWritten_IsSealedOnOpen()
    {
        await WriteOriginalAsync();
        var active = ActivePath(_original, 0);
        var layout = Layout(active);
        var seal = LogRecord.Seal(layout[^1].Lsn + 1, new RecordVersion(1, 1));
        var sealBytes = new byte[RecordCodec.EncodedLength(seal)];
        RecordCodec.Encode(seal, sealBytes);
        using (var file = new FileStream(active, FileMode.Append))
        {
            file.Write(sealBytes);
        }

        var expectedHash = Blake3.Hash(File.ReadAllBytes(active));
        await using var store = LogStore.Open(_original, Options);
        var segment = Assert.Single(store.ListSegments(), s => s.Shard == 0);
        Assert.Equal(expectedHash, segment.Hash);
        Assert.Equal(seal.Lsn, segment.LastLsn);
        AssertSurvivors(store, layout, layout[^1].End);
    }

    [Fact]
    public async Task CrashBetweenManifestAndRename_FinishesTheRenameOnOpen()
    {
        await WriteOriginalAsync(seal: true);
        var shardDirectory = Path.Combine(_original, "shard-000");
        var segment = Directory.GetFiles(Path.Combine(shardDirectory, "segments")).Single();
        File.Delete(Path.Combine(shardDirectory, "active.log"));
        File.Move(segment, Path.Combine(shardDirectory, "active.log"));

        await using var store = LogStore.Open(_original, Options);
        Assert.True(File.Exists(segment));
        Assert.Single(store.ListSegments(), s => s.Shard == 0);
        for (var i = 0; i < Records; i++)
        {
            Assert.Equal(Value(i), store.Get(Key(i)));
        }
    }

    [Fact]
    public async Task CrashBetweenManifestAndRename_WhenAnImportedCopyHoldsTheName_FinishesTheRenameOnOpen()
    {
        // The seal of a segment that anti-entropy had already imported: the segment's file exists (the imported
        // copy) and the active file still holds the same bytes. Open must finish the rename, not keep both.
        await WriteOriginalAsync(seal: true);
        var shardDirectory = Path.Combine(_original, "shard-000");
        var segment = Directory.GetFiles(Path.Combine(shardDirectory, "segments")).Single();
        File.Copy(segment, Path.Combine(shardDirectory, "active.log"), overwrite: true);

        await using var store = LogStore.Open(_original, Options);
        Assert.Single(store.ListSegments(), s => s.Shard == 0);
        Assert.Equal(0, new FileInfo(Path.Combine(shardDirectory, "active.log")).Length);
        for (var i = 0; i < Records; i++)
        {
            Assert.Equal(Value(i), store.Get(Key(i)));
        }

        await store.PutAsync(Key(Records), Value(Records));
        Assert.Equal(Value(Records), store.Get(Key(Records)));
    }

    public void Dispose() => _root.Dispose();

    private async Task WriteOriginalAsync(bool seal = false)
    {
        await using var store = LogStore.Open(_original, Options);
        for (var i = 0; i < Records; i++)
        {
            await store.PutAsync(Key(i), Value(i));
        }

        if (seal)
        {
            await store.SealAllAsync();
        }
    }

    private string CopyOriginal(string name)
    {
        var copy = Path.Combine(_root.Path, name);
        foreach (var file in Directory.GetFiles(_original, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(_original, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return copy;
    }

    /// <summary>Every record of shard 0 must be present (with its value) exactly when it ended before <paramref name="keptUpTo"/>; shard 1 is untouched.</summary>
    private static void AssertSurvivors(LogStore store, List<(long Start, long End, long Lsn, int Index)> layout, long keptUpTo)
    {
        foreach (var record in layout)
        {
            var value = store.Get(Key(record.Index));
            if (record.End <= keptUpTo)
            {
                Assert.Equal(Value(record.Index), value);
            }
            else
            {
                Assert.Null(value);
            }
        }

        for (var i = 0; i < Records; i++)
        {
            if (store.ShardOf(Key(i)) == 1)
            {
                Assert.Equal(Value(i), store.Get(Key(i)));
            }
        }
    }

    /// <summary>Where each record of an undamaged active segment starts and ends, decoded independently of the store.</summary>
    private static List<(long Start, long End, long Lsn, int Index)> Layout(string activePath)
    {
        var bytes = File.ReadAllBytes(activePath);
        var layout = new List<(long, long, long, int)>();
        for (var offset = 0; offset < bytes.Length;)
        {
            Assert.Equal(DecodeStatus.Ok, RecordCodec.TryDecode(bytes.AsMemory(offset), 1 << 20, out var record, out var consumed, out _));
            layout.Add((offset, offset + consumed, record.Lsn, int.Parse(Encoding.ASCII.GetString(record.Key.Span)[4..], System.Globalization.CultureInfo.InvariantCulture)));
            offset += consumed;
        }

        return layout;
    }

    private static string ActivePath(string store, int shard) => Path.Combine(store, $"shard-{shard:D3}", "active.log");

    private static byte[] Key(int i) => Encoding.ASCII.GetBytes($"key-{i}");

    private static byte[] Value(int i) => Encoding.ASCII.GetBytes($"value {i} " + new string('x', i % 50));
}
