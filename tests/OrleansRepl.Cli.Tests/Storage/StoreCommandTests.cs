using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Storage;

public sealed class StoreCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Store => Path.Combine(_directory.Path, "store");

    [Fact]
    public async Task Load_ThenVerify_ReportsCountsAndTheSameRootAsRoot()
    {
        var load = await CliRun.RunAsync(["store", "load", "--dir", Store, "--count", "5000", "--shards", "2", "--fsync", "never"]);
        Assert.Equal(0, load.ExitCode);
        Assert.Matches(@"^loaded 5000 records \(.* MB of keys and values\) in .* s: \d+ records/s, .* MB/s\n$", load.Output);

        Assert.Equal(0, (await CliRun.RunAsync(["store", "seal", "--dir", Store])).ExitCode);
        var verify = await CliRun.RunAsync(["store", "verify", "--dir", Store]);
        Assert.Equal(0, verify.ExitCode);
        var lines = verify.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("records 5002", lines[0]); // 5000 puts and one seal per shard
        Assert.Equal("segments 2", lines[1]);
        Assert.Matches("^root [0-9a-f]{64}$", lines[2]);

        var root = await CliRun.RunAsync(["store", "root", "--dir", Store]);
        Assert.Equal(lines[2]["root ".Length..] + "\n", root.Output);
    }

    [Fact]
    public async Task PutThenGet_RoundTrips_AndAMissingKeyExitsOne()
    {
        Assert.Equal(0, (await CliRun.RunAsync(["store", "put", "--dir", Store, "greeting", "hello there"])).ExitCode);
        Assert.Equal("hello there\n", (await CliRun.RunAsync(["store", "get", "--dir", Store, "greeting"])).Output);

        var missing = await CliRun.RunAsync(["store", "get", "--dir", Store, "farewell"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("key \"farewell\" not found", missing.Error);
    }

    [Fact]
    public async Task Verify_OnADamagedSealedSegment_ExitsOne_NamingSegmentAndOffset()
    {
        await CliRun.RunAsync(["store", "load", "--dir", Store, "--count", "2000", "--shards", "1", "--fsync", "never"]);
        await CliRun.RunAsync(["store", "seal", "--dir", Store]);
        var segment = Directory.GetFiles(Path.Combine(Store, "shard-000", "segments")).Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[1000] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);

        var verify = await CliRun.RunAsync(["store", "verify", "--dir", Store]);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains(Path.GetFileNameWithoutExtension(segment), verify.Error);
        Assert.Matches(@"shard 0: DAMAGED: .*segments/[0-9a-f]{64}\.seg at byte \d+", verify.Error);
    }

    [Fact]
    public async Task Commands_OnADirectoryWithoutAStore_ExitOne()
    {
        var verify = await CliRun.RunAsync(["store", "verify", "--dir", _directory.Path]);
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("holds no store", verify.Error);
    }

    [Fact]
    public async Task AStoreHeldByThisProcess_IsRefusedToTheCli()
    {
        await using var held = LogStore.Open(Store, new StoreOptions());
        var seal = await CliRun.RunAsync(["store", "seal", "--dir", Store]);
        Assert.Equal(1, seal.ExitCode);
        Assert.Contains("is already open in this process", seal.Error); // the CLI runs in this test's process here
    }

    [Fact]
    public async Task AStoreHeldByThisProcess_IsRefusedToASecondProcess()
    {
        await using var held = LogStore.Open(Store, new StoreOptions());
        var child = Orepl.Run(["store", "get", "--dir", Store, "some-key"]);
        Assert.Equal(1, child.ExitCode);
        Assert.Contains("is locked by another process", child.StandardError);
    }

    public void Dispose() => _directory.Dispose();
}
