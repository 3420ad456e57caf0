using OrleansRepl.Cli.Storage;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Storage;

/// <summary>A writer process with fsync=always is killed with SIGKILL mid-load; every write it acknowledged must survive.</summary>
public sealed class StoreCrashTests : IDisposable
{
    private const int Seed = 42;
    private const int BatchSize = 10;
    private readonly TempDirectory _directory = new();

    [Theory]
    [InlineData(300)]
    [InlineData(1500)]
    [InlineData(4000)]
    public async Task EveryAcknowledgedWrite_SurvivesSigkill(int killAfterAcks)
    {
        var store = Path.Combine(_directory.Path, $"store-{killAfterAcks}");
        var acknowledged = await LoadUntilKilledAsync(store, killAfterAcks);
        Assert.True(acknowledged >= killAfterAcks, $"the writer acknowledged {acknowledged} records before the kill, expected at least {killAfterAcks}");

        await using var reopened = LogStore.Open(store, new StoreOptions { ShardCount = 4 });
        var generator = new LoadGenerator(Seed, keySize: 16, valueSize: 100);
        for (var i = 0; i < acknowledged; i++)
        {
            var (key, value) = generator.Next();
            Assert.True(value.AsSpan().SequenceEqual(reopened.Get(key)), $"acknowledged record {i} of {acknowledged} is missing or wrong after SIGKILL");
        }

        // The batch in flight at the kill may or may not have landed; whatever did land must be exact, never invented.
        for (var i = 0; i < BatchSize; i++)
        {
            var (key, value) = generator.Next();
            if (reopened.Get(key) is { } found)
            {
                Assert.Equal(value, found);
            }
        }
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Runs orepl store load until it has acknowledged <paramref name="killAfterAcks"/> records, kills it with SIGKILL, and returns the last count it acknowledged.</summary>
    private static async Task<long> LoadUntilKilledAsync(string store, int killAfterAcks)
    {
        using var process = Orepl.Start(
        [
            "store", "load", "--dir", store, "--count", "100000000",
            "--fsync", "always", "--batch", BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--print-acks",
        ]);
        var stderr = process.StandardError.ReadToEndAsync();
        long acknowledged = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            while (acknowledged < killAfterAcks && await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                acknowledged = Math.Max(acknowledged, ParseAck(line));
            }
        }
        finally
        {
            process.Kill(); // SIGKILL on Unix: no finalizers, no flush, no dispose
        }

        // Acknowledgements the child printed before it died are still in the pipe, and count.
        while (await process.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
        {
            acknowledged = Math.Max(acknowledged, ParseAck(line));
        }

        await process.WaitForExitAsync(CancellationToken.None);
        Assert.Equal(128 + 9, process.ExitCode); // killed by SIGKILL, not finished or crashed on its own
        Assert.True(acknowledged > 0, $"the writer acknowledged nothing; stderr: {await stderr}");
        return acknowledged;
    }

    private static long ParseAck(string line) =>
        line.StartsWith("acked ", StringComparison.Ordinal) ? long.Parse(line.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture) : 0;
}
