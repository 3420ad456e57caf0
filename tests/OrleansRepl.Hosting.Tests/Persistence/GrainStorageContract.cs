using System.Text;
using System.Text.Json;
using OrleansRepl.Hosting.Persistence;

namespace OrleansRepl.Hosting.Tests.Persistence;

/// <summary>What every grain storage must do, run against each real database.</summary>
public abstract class GrainStorageContract
{
    /// <summary>A storage object of its own, as a separate silo would have, on the shared database.</summary>
    protected abstract IGrainStorage NewStorage();

    [Fact]
    public async Task ConcurrentWriters_ExactlyOneWinsEachVersion()
    {
        var storage = NewStorage();
        await storage.EnsureSchemaAsync(CancellationToken.None);
        var key = Guid.NewGuid().ToString("N");
        long? version = null;
        for (var round = 0; round < 5; round++)
        {
            var expected = version;
            var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
            {
                try
                {
                    return (Writer: writer, Version: (long?)await NewStorage().WriteAsync("counter", key, Json(writer), expected, CancellationToken.None));
                }
                catch (StorageConflictException)
                {
                    return (Writer: writer, Version: null);
                }
            })));

            var winner = Assert.Single(attempts, a => a.Version is not null);
            Assert.Equal((expected ?? 0) + 1, winner.Version);
            var stored = await storage.ReadAsync("counter", key, CancellationToken.None);
            Assert.Equal((winner.Version!.Value, winner.Writer), (stored!.Version, Writer(stored.Payload)));
            version = winner.Version;
        }
    }

    [Fact]
    public async Task AStaleWriteOrClear_NamesTheStoredAndTheExpectedVersion()
    {
        var storage = NewStorage();
        await storage.EnsureSchemaAsync(CancellationToken.None);
        var key = Guid.NewGuid().ToString("N");
        await storage.WriteAsync("counter", key, Json(1), null, CancellationToken.None);
        await storage.WriteAsync("counter", key, Json(2), 1, CancellationToken.None);

        Assert.Equal($"counter of {key}: stored version 2, expected 1", (await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync("counter", key, Json(3), 1, CancellationToken.None))).Message);
        Assert.Equal($"counter of {key}: stored version 2, expected none", (await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync("counter", key, Json(3), null, CancellationToken.None))).Message);
        await Assert.ThrowsAsync<StorageConflictException>(() => storage.ClearAsync("counter", key, 1, CancellationToken.None));
        await storage.ClearAsync("counter", key, 2, CancellationToken.None);
        Assert.Null(await storage.ReadAsync("counter", key, CancellationToken.None));
    }

    [Fact]
    public async Task TheSchema_InstallsItself_AndRunningItAgainChangesNothing()
    {
        var storage = NewStorage();
        await storage.EnsureSchemaAsync(CancellationToken.None);
        var key = Guid.NewGuid().ToString("N");
        await storage.WriteAsync("counter", key, Json(7), null, CancellationToken.None);
        await Task.WhenAll(storage.EnsureSchemaAsync(CancellationToken.None), NewStorage().EnsureSchemaAsync(CancellationToken.None));

        Assert.Equal(7, Writer((await storage.ReadAsync("counter", key, CancellationToken.None))!.Payload));
        Assert.Equal(ExpectedMigrations, await AppliedMigrationsAsync());
    }

    protected abstract int ExpectedMigrations { get; }

    protected abstract Task<long> AppliedMigrationsAsync();

    private static byte[] Json(int writer) => Encoding.UTF8.GetBytes($$"""{"writer": {{writer}}}""");

    private static int Writer(byte[] payload) => JsonDocument.Parse(payload).RootElement.GetProperty("writer").GetInt32();
}
