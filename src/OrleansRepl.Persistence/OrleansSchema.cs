using Microsoft.Data.Sqlite;
using Npgsql;

namespace OrleansRepl.Persistence;

/// <summary>
/// Installs the tables and the <c>OrleansQuery</c> rows that the Orleans 10.4.2 ADO.NET providers read their SQL from.
/// Every script is idempotent: tables are created if absent and each query row is replaced, so applying it at every
/// silo start brings an older install up to date and changes nothing on a current one.
/// </summary>
public static class OrleansSchema
{
    /// <summary>The scripts, in the order they are applied; also in <c>deploy/postgres</c> and <c>deploy/sqlite</c>.</summary>
    public static IReadOnlyList<string> PostgresScripts { get; } = ["postgres-persistence.sql", "postgres-clustering.sql"];

    public static IReadOnlyList<string> SqliteScripts { get; } = ["sqlite-persistence.sql", "sqlite-clustering.sql"];

    /// <summary>The invariant the providers are configured with for PostgreSQL.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>The invariant for SQLite: 10.4.2 maps this name to Microsoft.Data.Sqlite (the name "Microsoft.Data.Sqlite" fails at start-up).</summary>
    public const string SqliteInvariant = "System.Data.SQLite";

    // Any fixed number: it only has to be the same in every silo that installs the schema at once.
    private const long InstallLock = 0x4F52_4550_4C01;

    /// <summary>Applies every PostgreSQL script in one transaction, serialized across silos by an advisory lock.</summary>
    public static async ValueTask ApplyPostgresAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({InstallLock})", connection, transaction))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var script in PostgresScripts)
        {
            await using var command = new NpgsqlCommand(Script(script), connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Applies every SQLite script to the database file in <paramref name="connectionString"/>, in one immediate transaction.</summary>
    public static async ValueTask ApplySqliteAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL";
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(System.Data.IsolationLevel.Serializable, cancellationToken);
        foreach (var script in SqliteScripts)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = Script(script);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The text of one of the scripts, as embedded from <c>deploy/postgres</c> and <c>deploy/sqlite</c>.</summary>
    public static string Script(string name)
    {
        using var stream = typeof(OrleansSchema).Assembly.GetManifestResourceStream($"OrleansRepl.Persistence.{name}")
            ?? throw new ArgumentException($"no embedded schema script named {name}; the scripts are {string.Join(", ", [.. PostgresScripts, .. SqliteScripts])}", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
