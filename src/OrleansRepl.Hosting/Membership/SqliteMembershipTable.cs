using Microsoft.Data.Sqlite;
using OrleansRepl.Hosting.Persistence;

namespace OrleansRepl.Hosting.Membership;

/// <summary>
/// Membership in the SQLite file that holds grain state. Times are the database's clock in Unix milliseconds;
/// joins run under BEGIN IMMEDIATE, so two silos joining with one node id at once are serialized.
/// </summary>
public sealed class SqliteMembershipTable(SqliteGrainStorage database) : IMembershipTable
{
    private const string Now = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => database.EnsureSchemaAsync(cancellationToken);

    public Task<SiloEntry> JoinAsync(SiloAddress address, TimeSpan timeout, CancellationToken cancellationToken) =>
        SqliteGrainStorage.OnIoThreadsAsync(() => JoinHereAsync(address, timeout, cancellationToken), cancellationToken);

    public Task<HeartbeatOutcome> HeartbeatAsync(string siloId, SiloStatus status, CancellationToken cancellationToken) =>
        SqliteGrainStorage.OnIoThreadsAsync(() => HeartbeatHereAsync(siloId, status, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        SqliteGrainStorage.OnIoThreadsAsync(() => DeclareDeadHereAsync(timeout, cancellationToken), cancellationToken);

    public Task LeaveAsync(string siloId, CancellationToken cancellationToken) =>
        SqliteGrainStorage.OnIoThreadsAsync(async () =>
        {
            await LeaveHereAsync(siloId, cancellationToken);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken) =>
        SqliteGrainStorage.OnIoThreadsAsync(() => ReadAllHereAsync(cancellationToken), cancellationToken);

    private async Task<SiloEntry> JoinHereAsync(SiloAddress address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        await using var connection = await database.OpenAsync(cancellationToken);
        await SqliteGrainStorage.ExecuteAsync(connection, "BEGIN IMMEDIATE;", cancellationToken);
        try
        {
            await using (var live = Command(connection, $"SELECT silo_id, i_am_alive FROM orepl_membership WHERE node_id = $node AND status <> 'Dead' AND i_am_alive > {Now} - $timeout ORDER BY generation DESC LIMIT 1;", address.NodeId, timeout))
            await using (var reader = await live.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    throw new SiloFencedException(address.NodeId, reader.GetString(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), timeout);
                }
            }

            await using (var join = Command(connection, $"""
                UPDATE orepl_membership SET status = 'Dead' WHERE node_id = $node AND status <> 'Dead';
                INSERT INTO orepl_membership (silo_id, node_id, host, replication_port, gateway_port, status, generation, started_at, i_am_alive)
                VALUES ($silo, $node, $host, $replication, $gateway, 'Joining',
                        (SELECT COALESCE(MAX(generation), 0) + 1 FROM orepl_membership WHERE node_id = $node), {Now}, {Now});
                """, address.NodeId, timeout))
            {
                join.Parameters.AddWithValue("$silo", address.SiloId);
                join.Parameters.AddWithValue("$host", address.Host);
                join.Parameters.AddWithValue("$replication", address.ReplicationPort);
                join.Parameters.AddWithValue("$gateway", address.GatewayPort);
                await join.ExecuteNonQueryAsync(cancellationToken);
            }

            await SqliteGrainStorage.ExecuteAsync(connection, "COMMIT;", cancellationToken);
        }
        catch
        {
            await SqliteGrainStorage.ExecuteAsync(connection, "ROLLBACK;", CancellationToken.None);
            throw;
        }

        return (await ReadAllHereAsync(cancellationToken)).Single(e => e.SiloId == address.SiloId);
    }

    private async Task<HeartbeatOutcome> HeartbeatHereAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var beat = Command(connection, $"""
            UPDATE orepl_membership SET i_am_alive = {Now}, status = $status
            WHERE silo_id = $silo AND status <> 'Dead'
              AND generation = (SELECT MAX(generation) FROM orepl_membership AS newer WHERE newer.node_id = orepl_membership.node_id);
            """, null, null);
        beat.Parameters.AddWithValue("$silo", siloId);
        beat.Parameters.AddWithValue("$status", status.ToString());
        if (await beat.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return HeartbeatOutcome.Alive;
        }

        return SiloEntry.WhyNotAlive(await ReadAllHereAsync(cancellationToken), siloId);
    }

    private async Task<IReadOnlyList<string>> DeclareDeadHereAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var sweep = Command(connection, $"UPDATE orepl_membership SET status = 'Dead' WHERE status <> 'Dead' AND i_am_alive <= {Now} - $timeout RETURNING silo_id;", null, timeout);
        await using var reader = await sweep.ExecuteReaderAsync(cancellationToken);
        var dead = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            dead.Add(reader.GetString(0));
        }

        return dead;
    }

    private async Task LeaveHereAsync(string siloId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var leave = Command(connection, "UPDATE orepl_membership SET status = 'Dead' WHERE silo_id = $silo;", null, null);
        leave.Parameters.AddWithValue("$silo", siloId);
        await leave.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<SiloEntry>> ReadAllHereAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var read = Command(connection, "SELECT silo_id, node_id, host, replication_port, gateway_port, status, generation, started_at, i_am_alive FROM orepl_membership ORDER BY node_id, generation;", null, null);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        var entries = new List<SiloEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new SiloEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
                Enum.Parse<SiloStatus>(reader.GetString(5)), reader.GetInt64(6),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8))));
        }

        return entries;
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, string? node, TimeSpan? timeout)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        if (node is not null)
        {
            command.Parameters.AddWithValue("$node", node);
        }

        if (timeout is { } within)
        {
            command.Parameters.AddWithValue("$timeout", (long)within.TotalMilliseconds);
        }

        return command;
    }
}
