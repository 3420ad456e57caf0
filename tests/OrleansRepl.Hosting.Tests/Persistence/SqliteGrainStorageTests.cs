using Microsoft.Data.Sqlite;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.TestKit;

namespace OrleansRepl.Hosting.Tests.Persistence;

/// <summary>Grain state on a real SQLite file: one winner per version, an idempotent schema.</summary>
public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task ConcurrentWriters_ExactlyOneWinsEachVersion()
    {
        var storage = new SqliteGrainStorage(_directory.File("grains.db"));
        await storage.EnsureSchemaAsync(CancellationToken.None);
        long? version = null;
        for (var round = 0; round < 5; round++)
        {
            var expected = version;
            var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
            {
                // Each writer uses its own storage object, as separate silos would.
                var mine = new SqliteGrainStorage(_directory.File("grains.db"));
                try
                {
                    return (Writer: writer, Version: (long?)await mine.WriteAsync("counter", "k", [(byte)writer], expected, CancellationToken.None));
                }
                catch (StorageConflictException)
                {
                    return (Writer: writer, Version: null);
                }
            })));

            var winner = Assert.Single(attempts, a => a.Version is not null);
            Assert.Equal((expected ?? 0) + 1, winner.Version);
            var stored = await storage.ReadAsync("counter", "k", CancellationToken.None);
            Assert.Equal((winner.Version!.Value, (byte)winner.Writer), (stored!.Version, stored.Payload[0]));
            version = winner.Version;
        }
    }

    [Fact]
    public async Task AStaleWriteOrClear_NamesTheStoredAndTheExpectedVersion()
    {
        var storage = new SqliteGrainStorage(_directory.File("grains.db"));
        await storage.EnsureSchemaAsync(CancellationToken.None);
        await storage.WriteAsync("counter", "k", [1], null, CancellationToken.None);
        await storage.WriteAsync("counter", "k", [2], 1, CancellationToken.None);

        Assert.Equal("counter of k: stored version 2, expected 1", (await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync("counter", "k", [3], 1, CancellationToken.None))).Message);
        Assert.Equal("counter of k: stored version 2, expected none", (await Assert.ThrowsAsync<StorageConflictException>(() => storage.WriteAsync("counter", "k", [3], null, CancellationToken.None))).Message);
        await Assert.ThrowsAsync<StorageConflictException>(() => storage.ClearAsync("counter", "k", 1, CancellationToken.None));
        await storage.ClearAsync("counter", "k", 2, CancellationToken.None);
        Assert.Null(await storage.ReadAsync("counter", "k", CancellationToken.None));
    }

    [Fact]
    public async Task TheSchema_InstallsItself_AndRunningItAgainChangesNothing()
    {
        var path = _directory.File("grains.db");
        var storage = new SqliteGrainStorage(path);
        await storage.EnsureSchemaAsync(CancellationToken.None);
        await storage.WriteAsync("counter", "k", [7], null, CancellationToken.None);
        await storage.EnsureSchemaAsync(CancellationToken.None);
        await new SqliteGrainStorage(path).EnsureSchemaAsync(CancellationToken.None);

        Assert.Equal(7, (await storage.ReadAsync("counter", "k", CancellationToken.None))!.Payload[0]);
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT applied FROM orepl_schema;";
        Assert.Equal((long)SqliteGrainStorage.Migrations.Length, (long)(await command.ExecuteScalarAsync())!);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools(); // pooled connections hold the file open
        _directory.Dispose();
    }
}
