using System.Globalization;
using Microsoft.Data.Sqlite;

namespace OrleansRepl.Hosting.Persistence;

/// <summary>
/// Grain state in one SQLite file: the embedded default. WAL journaling and a busy timeout let several silo
/// processes on one machine share the file; every write checks the version in the same statement.
/// </summary>
public sealed class SqliteGrainStorage : IGrainStorage
{
    /// <summary>Each migration takes the schema from its index to the next; the applied count is kept in the database.</summary>
    internal static readonly string[] Migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS orepl_grain_state (
            grain_type  TEXT    NOT NULL,
            grain_key   TEXT    NOT NULL,
            version     INTEGER NOT NULL,
            payload     BLOB    NOT NULL,
            modified_at TEXT    NOT NULL,
            PRIMARY KEY (grain_type, grain_key)
        );
        """,
        """
        CREATE TABLE IF NOT EXISTS orepl_membership (
            silo_id          TEXT    NOT NULL PRIMARY KEY,
            node_id          TEXT    NOT NULL,
            host             TEXT    NOT NULL,
            replication_port INTEGER NOT NULL,
            gateway_port     INTEGER NOT NULL,
            status           TEXT    NOT NULL,
            generation       INTEGER NOT NULL,
            started_at       INTEGER NOT NULL,
            i_am_alive       INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS orepl_membership_node ON orepl_membership (node_id, generation);
        """,
    ];

    /// <summary>Every SQLite call of the process blocks on these threads, never on the thread pool's.</summary>
    private static readonly BlockingIoScheduler Io = new("sqlite", threads: 4);

    private readonly string _connectionString;

    public SqliteGrainStorage(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = full, Pooling = true, DefaultTimeout = 30 }.ToString();
    }

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => Io.RunAsync(async () =>
    {
        await using var connection = await OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA journal_mode = WAL;", cancellationToken);
        await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS orepl_schema (id INTEGER PRIMARY KEY CHECK (id = 1), applied INTEGER NOT NULL);", cancellationToken);

        // BEGIN IMMEDIATE takes the write lock first, so two silos migrating at once run one after the other.
        await ExecuteAsync(connection, "BEGIN IMMEDIATE;", cancellationToken);
        try
        {
            await using var read = connection.CreateCommand();
            read.CommandText = "SELECT applied FROM orepl_schema WHERE id = 1;";
            var applied = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken) ?? 0, CultureInfo.InvariantCulture);
            for (var step = applied; step < Migrations.Length; step++)
            {
                await ExecuteAsync(connection, Migrations[step], cancellationToken);
            }

            await ExecuteAsync(connection, $"INSERT INTO orepl_schema (id, applied) VALUES (1, {Migrations.Length}) ON CONFLICT (id) DO UPDATE SET applied = excluded.applied;", cancellationToken);
            await ExecuteAsync(connection, "COMMIT;", cancellationToken);
        }
        catch
        {
            await ExecuteAsync(connection, "ROLLBACK;", CancellationToken.None);
            throw;
        }

        return true;
    }, cancellationToken);

    public Task<StoredState?> ReadAsync(string stateType, string key, CancellationToken cancellationToken) =>
        Io.RunAsync(() => ReadHereAsync(stateType, key, cancellationToken), cancellationToken);

    public Task<long> WriteAsync(string stateType, string key, byte[] payload, long? expectedVersion, CancellationToken cancellationToken) =>
        Io.RunAsync(() => WriteHereAsync(stateType, key, payload, expectedVersion, cancellationToken), cancellationToken);

    public Task ClearAsync(string stateType, string key, long? expectedVersion, CancellationToken cancellationToken) =>
        Io.RunAsync(async () =>
        {
            await ClearHereAsync(stateType, key, expectedVersion, cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Runs <paramref name="work"/> on the SQLite threads (membership shares the file and the threads).</summary>
    internal static Task<T> OnIoThreadsAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken) => Io.RunAsync(work, cancellationToken);

    private async Task<StoredState?> ReadHereAsync(string stateType, string key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload, version FROM orepl_grain_state WHERE grain_type = $type AND grain_key = $key;";
        command.Parameters.AddWithValue("$type", stateType);
        command.Parameters.AddWithValue("$key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredState((byte[])reader[0], reader.GetInt64(1)) : null;
    }

    private async Task<long> WriteHereAsync(string stateType, string key, byte[] payload, long? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = expectedVersion is null
            ? "INSERT INTO orepl_grain_state (grain_type, grain_key, version, payload, modified_at) VALUES ($type, $key, 1, $payload, $now) ON CONFLICT (grain_type, grain_key) DO NOTHING;"
            : "UPDATE orepl_grain_state SET version = version + 1, payload = $payload, modified_at = $now WHERE grain_type = $type AND grain_key = $key AND version = $expected;";
        command.Parameters.AddWithValue("$type", stateType);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$payload", payload);
        command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$expected", (object?)expectedVersion ?? DBNull.Value);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return (expectedVersion ?? 0) + 1;
        }

        throw new StorageConflictException(stateType, key, (await ReadHereAsync(stateType, key, cancellationToken))?.Version, expectedVersion);
    }

    private async Task ClearHereAsync(string stateType, string key, long? expectedVersion, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM orepl_grain_state WHERE grain_type = $type AND grain_key = $key AND version IS $expected;";
        command.Parameters.AddWithValue("$type", stateType);
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$expected", (object?)expectedVersion ?? DBNull.Value);
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        var stored = deleted == 1 ? null : (await ReadHereAsync(stateType, key, cancellationToken))?.Version;
        if (deleted == 0 && stored != expectedVersion)
        {
            throw new StorageConflictException(stateType, key, stored, expectedVersion);
        }
    }

    /// <summary>A connection to the shared file (membership lives beside the grain state).</summary>
    internal async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA busy_timeout = 30000; PRAGMA synchronous = FULL;", cancellationToken);
        return connection;
    }

    internal static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
