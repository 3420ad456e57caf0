using System.Text;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Recovery;
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
    public async Task LastRecordCutAtEveryByte_IsATornTail_AndEveryEarlierRecordOpens()
    {
        await WriteOriginalAsync();
        var layout = Layout(ActivePath(_original, 0));
        var last = layout[^1];
        for (var cut = last.Start; cut < last.End; cut++)
        {
            var copy = CopyOriginal($"last-{cut}");
            using (var file = new FileStream(ActivePath(copy, 0), FileMode.Open))
            {
                file.SetLength(cut);
            }

            var before = DirectoryFingerprint.Of(copy);
            var inspection = await StoreInspector.InspectAsync(copy, Options);
            Assert.Equal(before, DirectoryFingerprint.Of(copy));
            Assert.False(inspection.IsDamaged);
            Assert.Equal(cut == last.Start ? null : cut - last.Start, inspection.Shards[0].TornTail?.Bytes);
            await using var store = LogStore.Open(copy, Options);
            Assert.Equal(cut - last.Start, store.OpenReport.DroppedBytesPerShard[0]);
            AssertSurvivors(store, layout, last.Start);
            Assert.Equal(inspection.StoreRoot, await store.StoreRootAsync());
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task FlippedByteAtRandomOffsets_IsRefusedNamingTheOffset_UnlessItIsInTheLastWrite()
    {
        // Every put was its own fsynced write, so only the last record was a write a crash could have left unfinished.
        await WriteOriginalAsync();
        var layout = Layout(ActivePath(_original, 0));
        var length = new FileInfo(ActivePath(_original, 0)).Length;
        var random = new Random(2);
        var offsets = Enumerable.Range(0, 60).Select(_ => random.Next(0, (int)length))
            .Concat(Enumerable.Range(0, 6).Select(_ => random.Next((int)layout[^1].Start, (int)length)));
        var refused = 0;
        foreach (var at in offsets)
        {
            var copy = CopyOriginal($"flip-{at}");
            var bytes = File.ReadAllBytes(ActivePath(copy, 0));
            bytes[at] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(ActivePath(copy, 0), bytes);
            var before = DirectoryFingerprint.Of(copy);
            var damaged = layout.Single(r => r.Start <= at && at < r.End);

            var inspection = await StoreInspector.InspectAsync(copy, Options);
            Assert.Equal(before, DirectoryFingerprint.Of(copy));
            if (damaged == layout[^1])
            {
                Assert.Equal(damaged.Start, inspection.Shards[0].TornTail!.Offset);
                await using var store = LogStore.Open(copy, Options);
                Assert.Equal(length - damaged.Start, store.OpenReport.DroppedBytesPerShard[0]);
                AssertSurvivors(store, layout, damaged.Start);
            }
            else
            {
                refused++;
                var error = Assert.Throws<ShardDamagedException>(() => LogStore.Open(copy, Options));
                Assert.Equal(0, error.Shard);
                Assert.Equal(ActivePath(copy, 0), error.File);
                Assert.Equal(damaged.Start, error.Offset);
                Assert.Equal(damaged.Index == layout[0].Index ? 0 : layout[layout.IndexOf(damaged) - 1].Lsn, error.LastGoodLsn);
                Assert.Equal(length - damaged.Start, error.BytesAfter);
                Assert.Equal(layout.Count - layout.IndexOf(damaged) - 1, error.RecordsAfter);
                Assert.Contains($"at byte {damaged.Start}", error.Message);
                Assert.Equal(before, DirectoryFingerprint.Of(copy));
                var damage = inspection.Shards[0].Damage!;
                Assert.Equal((error.File, error.Offset, error.RecordsAfter), (damage.File, damage.Offset, damage.RecordsAfter));
                Assert.Null(inspection.StoreRoot);
            }

            Directory.Delete(copy, recursive: true);
        }

        Assert.InRange(refused, 40, 66);
    }

    [Fact]
    public async Task UnreadableBytesLongerThanOneWrite_AreDamage_ButUnsyncedZerosAreTornWhenFsyncIsNotPerWrite()
    {
        var options = Options with { GroupCommitMaxBytes = 64 << 10 };
        await using (var store = LogStore.Open(_original, options))
        {
            await store.PutAsync(Key(1), Value(1));
        }

        var garbage = CopyOriginal("garbage");
        AppendToActive(garbage, Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7 + 1)).ToArray());
        var error = Assert.Throws<ShardDamagedException>(() => LogStore.Open(garbage, options));
        Assert.Contains("more than the 65536 one unfinished write can leave", error.Message);

        var zeros = CopyOriginal("zeros");
        AppendToActive(zeros, new byte[100_000]);
        Assert.Throws<ShardDamagedException>(() => LogStore.Open(zeros, options));
        await using var interval = LogStore.Open(zeros, options with { Fsync = FsyncMode.Interval });
        Assert.Equal(100_000, interval.OpenReport.DroppedBytes);
        Assert.Equal(Value(1), interval.Get(Key(1)));
    }

    [Fact]
    public async Task GroupCommitLargerThanItsBound_IsWrittenAndFsyncedInPieces()
    {
        var fsyncs = 0;
        var options = Options with { GroupCommitMaxBytes = 64 << 10, FaultInjector = point => fsyncs += point == "flush.fsync" ? 1 : 0 };
        await using var store = LogStore.Open(_original, options);
        var batch = Enumerable.Range(0, 100).Select(i => WriteOperation.Put(Key(i), new byte[4096])).ToList();
        await store.WriteAsync(batch);
        Assert.True(fsyncs >= 6, $"{fsyncs} fsyncs for a 400 KiB batch over two shards under a 64 KiB bound; one piece per shard would be 2");
        Assert.All(batch, operation => Assert.Equal(4096, store.Get(operation.Key.Span)!.Length));
    }

    [Fact]
    public async Task FlippedByteInASealedSegment_RefusesToOpen_NamingTheSegmentAndOffset()
    {
        await WriteOriginalAsync(seal: true);
        var segment = Directory.GetFiles(Path.Combine(_original, "shard-001", "segments")).First();
        var bytes = File.ReadAllBytes(segment);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(segment, bytes);
        var before = DirectoryFingerprint.Of(_original);

        var error = Assert.Throws<ShardDamagedException>(() => LogStore.Open(_original, Options));
        Assert.Equal(1, error.Shard);
        Assert.Equal(segment, error.File);
        Assert.InRange(error.Offset, 0, bytes.Length / 2);
        Assert.True(error.RecordsAfter > 0);
        Assert.Equal(before, DirectoryFingerprint.Of(_original));
        Assert.Equal(segment, (await StoreInspector.InspectAsync(_original, Options)).Shards[1].Damage!.File);
    }

    [Fact]
    public async Task MissingSealedSegment_RefusesToOpen_NamingIt()
    {
        await WriteOriginalAsync(seal: true);
        var segment = Directory.GetFiles(Path.Combine(_original, "shard-000", "segments")).First();
        File.Delete(segment);
        var error = Assert.Throws<ShardDamagedException>(() => LogStore.Open(_original, Options));
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

        var error = Assert.Throws<ShardDamagedException>(() => LogStore.Open(_original, Options));
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

        var expectedHash = Blake3Hasher.Hash(File.ReadAllBytes(active));
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

    private static void AppendToActive(string store, byte[] bytes)
    {
        using var file = new FileStream(ActivePath(store, 0), FileMode.Append);
        file.Write(bytes);
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
