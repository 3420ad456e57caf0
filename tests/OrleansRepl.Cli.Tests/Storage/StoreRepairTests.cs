using System.Text;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Storage;

/// <summary>
/// The report's scenario as a user meets it: an fsynced store with two bytes flipped in the middle of an active log.
/// <c>verify</c> names the damage and changes nothing; <c>salvage</c> cuts it explicitly and keeps the original aside.
/// </summary>
public sealed class StoreRepairTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Store => Path.Combine(_directory.Path, "store");

    private string Active => Path.Combine(Store, "shard-000", "active.log");

    [Fact]
    public async Task Verify_OnAFlippedByteMidLog_ExitsOne_NamesShardFileAndOffset_AndChangesNoFile()
    {
        var damagedAt = await LoadAndFlipAsync();
        var before = DirectoryFingerprint.Of(Store);

        for (var run = 0; run < 2; run++)
        {
            var verify = await CliRun.RunAsync(["store", "verify", "--dir", Store]);
            Assert.Equal(1, verify.ExitCode);
            Assert.Contains($"shard 0: DAMAGED: {Active} at byte {damagedAt}", verify.Error);
            Assert.Matches(@"last good LSN \d+; \d+ bytes with \d+ whole records after it", verify.Error);
            Assert.Equal(before, DirectoryFingerprint.Of(Store));
        }

        var root = await CliRun.RunAsync(["store", "root", "--dir", Store]);
        Assert.Equal(1, root.ExitCode);
        Assert.Equal(before, DirectoryFingerprint.Of(Store));
        var open = Assert.Throws<ShardDamagedException>(() => LogStore.Open(Store, new StoreOptions { ShardCount = 2 }));
        Assert.Equal(damagedAt, open.Offset);
        Assert.Equal(before, DirectoryFingerprint.Of(Store));
    }

    [Fact]
    public async Task Salvage_KeepsTheGoodPrefix_PrintsWhatItCut_AndKeepsTheDamagedFileAside()
    {
        var damagedAt = await LoadAndFlipAsync();
        var damagedBytes = await File.ReadAllBytesAsync(Active);
        var refused = Assert.Throws<ShardDamagedException>(() => LogStore.Open(Store, new StoreOptions { ShardCount = 2 }));

        var salvage = await CliRun.RunAsync(["store", "salvage", "--dir", Store, "--shard", "0"]);
        Assert.Equal(0, salvage.ExitCode);
        var lines = salvage.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"shard 0: damage in {Active} at byte {damagedAt}", lines[0]);
        Assert.Equal($"kept {damagedAt} bytes, {refused.LastGoodLsn} records, up to LSN {refused.LastGoodLsn}", lines[1]);
        Assert.Equal($"cut {refused.BytesAfter} bytes: LSNs {refused.LastGoodLsn + 1}..{refused.LastGoodLsn + 1 + refused.RecordsAfter}, {refused.RecordsAfter} whole records after the damaged one", lines[2]);
        var aside = Assert.Single(Directory.GetFiles(Path.Combine(Store, "shard-000"), "active.log.damaged-*"));
        Assert.Equal($"the damaged file is kept at {aside}", lines[3]);
        Assert.Equal(damagedBytes, await File.ReadAllBytesAsync(aside));
        Assert.Equal(damagedBytes.AsSpan(0, (int)damagedAt).ToArray(), await File.ReadAllBytesAsync(Active));

        var verify = await CliRun.RunAsync(["store", "verify", "--dir", Store]);
        Assert.Equal(0, verify.ExitCode);
        await using var store = LogStore.Open(Store, new StoreOptions { ShardCount = 2 });
        Assert.Equal(refused.LastGoodLsn + 1, store.NextLsn(0));

        var again = await CliRun.RunAsync(["store", "salvage", "--dir", Store, "--shard", "1"]);
        Assert.Equal(1, again.ExitCode); // the store is open here: salvage takes its LOCK, and refuses
        Assert.Contains("is already open in this process", again.Error);
    }

    [Fact]
    public async Task Verify_BesideAProcessHoldingTheStoreOpen_ReadsWhatIsOnDisk()
    {
        await using var store = LogStore.Open(Store, new StoreOptions { ShardCount = 2 });
        for (var i = 0; i < 500; i++)
        {
            await store.PutAsync(Encoding.UTF8.GetBytes($"k{i}"), Encoding.UTF8.GetBytes($"v{i}"));
        }

        var verify = await CliRun.RunAsync(["store", "verify", "--dir", Store]);
        Assert.Equal(0, verify.ExitCode);
        Assert.Contains($"root {await store.StoreRootAsync()}", verify.Output);
        Assert.Contains("records 500", verify.Output);
        await store.PutAsync("after"u8.ToArray(), "verify"u8.ToArray()); // still writable: verify took no lock
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Loads 20,000 fsynced records on 2 shards, flips two bytes in the middle of shard 0's active log, and returns where the damaged record starts.</summary>
    private async Task<long> LoadAndFlipAsync()
    {
        var load = await CliRun.RunAsync(["store", "load", "--dir", Store, "--count", "20000", "--shards", "2", "--fsync", "always", "--batch", "100"]);
        Assert.Equal(0, load.ExitCode);
        var bytes = await File.ReadAllBytesAsync(Active);
        var middle = bytes.Length / 2;
        var start = 0L;
        for (var offset = 0; offset <= middle;)
        {
            Assert.Equal(DecodeStatus.Ok, RecordCodec.TryDecode(bytes.AsMemory(offset), 1 << 20, out _, out var consumed, out _));
            start = offset;
            offset += consumed;
        }

        bytes[middle] ^= 0x5A;
        bytes[middle + 1] ^= 0xA5;
        await File.WriteAllBytesAsync(Active, bytes);
        return start;
    }

}
