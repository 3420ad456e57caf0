using Microsoft.Data.Sqlite;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.TestKit;

namespace OrleansRepl.Hosting.Tests.Persistence;

/// <summary>The storage contract on a real SQLite file.</summary>
public sealed class SqliteGrainStorageTests : GrainStorageContract, IDisposable
{
    private readonly TempDirectory _directory = new();

    protected override int ExpectedMigrations => SqliteGrainStorage.Migrations.Length;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools(); // pooled connections hold the file open
        _directory.Dispose();
    }

    protected override IGrainStorage NewStorage() => new SqliteGrainStorage(_directory.File("grains.db"));

    protected override async Task<long> AppliedMigrationsAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={_directory.File("grains.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT applied FROM orepl_schema;";
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
