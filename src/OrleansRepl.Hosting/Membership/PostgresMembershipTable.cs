using Npgsql;
using OrleansRepl.Hosting.Persistence;

namespace OrleansRepl.Hosting.Membership;

/// <summary>
/// Membership in PostgreSQL beside grain state. Times are the database's clock; a join holds an advisory lock on
/// its node id for its transaction, so two silos joining with one node id at once are serialized.
/// </summary>
public sealed class PostgresMembershipTable(NpgsqlDataSource dataSource) : IMembershipTable
{
    private const string Columns = "silo_id, node_id, host, replication_port, gateway_port, status, generation, started_at, i_am_alive";

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => new PostgresGrainStorage(dataSource).EnsureSchemaAsync(cancellationToken);

    public async Task<SiloEntry> JoinAsync(SiloAddress address, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockNode = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('orepl-node:' || $1));", connection))
        {
            lockNode.Parameters.AddWithValue(address.NodeId);
            await lockNode.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var live = new NpgsqlCommand("SELECT silo_id, i_am_alive FROM orepl_membership WHERE node_id = $1 AND status <> 'Dead' AND i_am_alive > now() - $2 ORDER BY generation DESC LIMIT 1;", connection))
        {
            live.Parameters.AddWithValue(address.NodeId);
            live.Parameters.AddWithValue(timeout);
            await using var reader = await live.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                throw new SiloFencedException(address.NodeId, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), timeout);
            }
        }

        await using (var fence = new NpgsqlCommand("UPDATE orepl_membership SET status = 'Dead' WHERE node_id = $1 AND status <> 'Dead';", connection))
        {
            fence.Parameters.AddWithValue(address.NodeId);
            await fence.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var join = new NpgsqlCommand("""
            INSERT INTO orepl_membership (silo_id, node_id, host, replication_port, gateway_port, status, generation, started_at, i_am_alive)
            VALUES ($1, $2, $3, $4, $5, 'Joining', (SELECT COALESCE(MAX(generation), 0) + 1 FROM orepl_membership WHERE node_id = $2), now(), now());
            """, connection))
        {
            join.Parameters.AddWithValue(address.SiloId);
            join.Parameters.AddWithValue(address.NodeId);
            join.Parameters.AddWithValue(address.Host);
            join.Parameters.AddWithValue(address.ReplicationPort);
            join.Parameters.AddWithValue(address.GatewayPort);
            await join.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (await ReadAllAsync(cancellationToken)).Single(e => e.SiloId == address.SiloId);
    }

    public async Task<HeartbeatOutcome> HeartbeatAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        await using var beat = dataSource.CreateCommand("""
            UPDATE orepl_membership AS me SET i_am_alive = now(), status = $2
            WHERE silo_id = $1 AND status <> 'Dead'
              AND generation = (SELECT MAX(generation) FROM orepl_membership AS newer WHERE newer.node_id = me.node_id);
            """);
        beat.Parameters.AddWithValue(siloId);
        beat.Parameters.AddWithValue(status.ToString());
        if (await beat.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            return HeartbeatOutcome.Alive;
        }

        return SiloEntry.WhyNotAlive(await ReadAllAsync(cancellationToken), siloId);
    }

    public async Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var sweep = dataSource.CreateCommand("UPDATE orepl_membership SET status = 'Dead' WHERE status <> 'Dead' AND i_am_alive <= now() - $1 RETURNING silo_id;");
        sweep.Parameters.AddWithValue(timeout);
        await using var reader = await sweep.ExecuteReaderAsync(cancellationToken);
        var dead = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            dead.Add(reader.GetString(0));
        }

        return dead;
    }

    public async Task LeaveAsync(string siloId, CancellationToken cancellationToken)
    {
        await using var leave = dataSource.CreateCommand("UPDATE orepl_membership SET status = 'Dead' WHERE silo_id = $1;");
        leave.Parameters.AddWithValue(siloId);
        await leave.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var read = dataSource.CreateCommand($"SELECT {Columns} FROM orepl_membership ORDER BY node_id, generation;");
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        var entries = new List<SiloEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new SiloEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt32(4),
                Enum.Parse<SiloStatus>(reader.GetString(5)), reader.GetInt64(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return entries;
    }
}
