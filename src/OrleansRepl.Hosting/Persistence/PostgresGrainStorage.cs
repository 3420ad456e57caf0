using Npgsql;
using NpgsqlTypes;

namespace OrleansRepl.Hosting.Persistence;

/// <summary>
/// Grain state on PostgreSQL through a pooled <see cref="NpgsqlDataSource"/>. Every write checks the version in
/// the same statement; the schema is migrated at start-up from the scripts in deploy/postgres (embedded), under
/// an advisory lock so silos starting together migrate one at a time.
/// </summary>
public sealed class PostgresGrainStorage(NpgsqlDataSource dataSource) : IGrainStorage
{
    /// <summary>Key of the advisory lock held while migrating ("orepl" in ASCII).</summary>
    private const long MigrationLock = 0x6F7265706C;

    /// <summary>The migrations in order, as embedded from deploy/postgres.</summary>
    internal static IReadOnlyList<(string Name, string Sql)> Migrations { get; } = LoadMigrations();

    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLock});", cancellationToken);
        await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS orepl_schema (id int PRIMARY KEY CHECK (id = 1), applied int NOT NULL);", cancellationToken);
        await using (var read = new NpgsqlCommand("SELECT applied FROM orepl_schema WHERE id = 1;", connection))
        {
            var applied = (int?)await read.ExecuteScalarAsync(cancellationToken) ?? 0;
            foreach (var (_, sql) in Migrations.Skip(applied))
            {
                await ExecuteAsync(connection, sql, cancellationToken);
            }
        }

        await using (var record = new NpgsqlCommand("INSERT INTO orepl_schema (id, applied) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET applied = excluded.applied;", connection))
        {
            record.Parameters.AddWithValue(Migrations.Count);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<StoredState?> ReadAsync(string stateType, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT payload::text, version FROM orepl_grain_state WHERE grain_type = $1 AND grain_key = $2;");
        command.Parameters.AddWithValue(stateType);
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredState(System.Text.Encoding.UTF8.GetBytes(reader.GetString(0)), reader.GetInt64(1))
            : null;
    }

    public async Task<long> WriteAsync(string stateType, string key, byte[] payload, long? expectedVersion, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(expectedVersion is null
            ? "INSERT INTO orepl_grain_state (grain_type, grain_key, version, payload, modified_at) VALUES ($1, $2, 1, $3::jsonb, now()) ON CONFLICT (grain_type, grain_key) DO NOTHING;"
            : "UPDATE orepl_grain_state SET version = version + 1, payload = $3::jsonb, modified_at = now() WHERE grain_type = $1 AND grain_key = $2 AND version = $4;");
        command.Parameters.AddWithValue(stateType);
        command.Parameters.AddWithValue(key);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = System.Text.Encoding.UTF8.GetString(payload) });
        if (expectedVersion is { } expected)
        {
            command.Parameters.AddWithValue(expected);
        }

        if (await command.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return (expectedVersion ?? 0) + 1;
        }

        throw new StorageConflictException(stateType, key, (await ReadAsync(stateType, key, cancellationToken))?.Version, expectedVersion);
    }

    public async Task ClearAsync(string stateType, string key, long? expectedVersion, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM orepl_grain_state WHERE grain_type = $1 AND grain_key = $2 AND version IS NOT DISTINCT FROM $3;");
        command.Parameters.AddWithValue(stateType);
        command.Parameters.AddWithValue(key);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)expectedVersion ?? DBNull.Value });
        var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
        var stored = deleted == 1 ? null : (await ReadAsync(stateType, key, cancellationToken))?.Version;
        if (deleted == 0 && stored != expectedVersion)
        {
            throw new StorageConflictException(stateType, key, stored, expectedVersion);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<(string Name, string Sql)> LoadMigrations()
    {
        var assembly = typeof(PostgresGrainStorage).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("postgres/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return (n, reader.ReadToEnd());
            })
            .ToList();
    }
}
