using Npgsql;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.TestKit;

namespace OrleansRepl.Hosting.Tests.Persistence;

/// <summary>The storage contract on a real, throwaway PostgreSQL 15 server.</summary>
public sealed class PostgresGrainStorageTests(PostgresGrainStorageTests.Server server) : GrainStorageContract, IClassFixture<PostgresGrainStorageTests.Server>
{
    protected override int ExpectedMigrations => PostgresGrainStorage.Migrations.Count;

    [Fact]
    public void TheEmbeddedMigrations_AreTheFilesInDeployPostgres()
    {
        var files = Directory.GetFiles(Path.Combine(RepositoryRoot(), "deploy", "postgres"), "*.sql").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files.Select(File.ReadAllText), PostgresGrainStorage.Migrations.Select(m => m.Sql));
    }

    protected override IGrainStorage NewStorage() => new PostgresGrainStorage(server.DataSource);

    protected override async Task<long> AppliedMigrationsAsync()
    {
        await using var command = server.DataSource.CreateCommand("SELECT applied FROM orepl_schema;");
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansRepl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (OrleansRepl.sln) is not above the test binaries");
    }

    /// <summary>One server for the class, started fresh and removed afterwards.</summary>
    public sealed class Server : IDisposable
    {
        private readonly PostgresServer _server = PostgresServer.Start();

        public Server()
        {
            DataSource = NpgsqlDataSource.Create(_server.ConnectionString);
        }

        public NpgsqlDataSource DataSource { get; }

        public void Dispose()
        {
            DataSource.Dispose();
            _server.Dispose();
        }
    }
}
