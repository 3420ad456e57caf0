using Npgsql;
using OrleansRepl.TestKit;

namespace OrleansRepl.Persistence.Tests;

/// <summary>The Orleans 10.4.2 ADO.NET providers against the project's schema on a real, throwaway PostgreSQL.</summary>
public sealed class PostgresSchemaTests : IDisposable
{
    private readonly PostgresServer _server = PostgresServer.Start();

    [Fact]
    public async Task TwoSilosJoin_AClientFindsThemThroughTheTable_AndGrainStateSurvivesDeactivation()
    {
        await OrleansSchema.ApplyPostgresAsync(_server.ConnectionString);
        await OrleansSchema.ApplyPostgresAsync(_server.ConnectionString); // idempotent: a second silo start applies it again

        using var first = await OrleansHost.StartPostgresSiloAsync(_server.ConnectionString, "pgtest", "n1");
        using var second = await OrleansHost.StartPostgresSiloAsync(_server.ConnectionString, "pgtest", "n2");
        var members = await ScalarsAsync<string>("SELECT SiloName FROM OrleansMembershipTable WHERE DeploymentId = 'pgtest' AND Status = 3 ORDER BY SiloName");
        Assert.Equal(["n1", "n2"], members);

        using var client = await OrleansHost.StartPostgresClientAsync(_server.ConnectionString, "pgtest");
        var counter = client.Client().GetGrain<ICounterGrain>("n1/counter");
        Assert.Equal(1, await counter.IncrementAsync());
        Assert.Equal(2, await counter.IncrementAsync());
        await counter.DeactivateAsync();
        Assert.Equal(2, await counter.GetAsync()); // a new activation read it back
        Assert.Equal(3, await counter.IncrementAsync());
        Assert.Equal("3", await counter.ETagAsync());

        var rows = await ScalarsAsync<int>("SELECT Version FROM OrleansStorage WHERE GrainIdExtensionString LIKE '%n1/counter%' OR GrainTypeString LIKE '%counter%'");
        Assert.Equal([3], rows);

        await OrleansSchema.ApplyPostgresAsync(_server.ConnectionString); // again, with live data: nothing changes
        Assert.Equal(3, await counter.GetAsync());
        await counter.DeactivateAsync();
        Assert.Equal(3, await counter.GetAsync());

        await second.StopAsync();
        await first.StopAsync();
    }

    [Fact]
    public async Task AWriteOverAStaleVersion_FailsTheCall_AndLeavesStorageAsItWas()
    {
        await OrleansSchema.ApplyPostgresAsync(_server.ConnectionString);
        using var silo = await OrleansHost.StartPostgresSiloAsync(_server.ConnectionString, "pgstale", "n1");
        var counter = silo.Grains().GetGrain<ICounterGrain>("n1/stale");
        Assert.Equal(1, await counter.IncrementAsync());

        // Another writer (a second activation somewhere) moved the row on.
        Assert.Equal([2], await ScalarsAsync<int>("UPDATE OrleansStorage SET Version = Version + 1 RETURNING Version"));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => counter.IncrementAsync());
        Assert.Contains("Version conflict", error.ToString());
        Assert.Equal(1, await counter.GetAsync()); // the grain kept what it had
        Assert.Equal([2], await ScalarsAsync<int>("SELECT Version FROM OrleansStorage"));
        await silo.StopAsync();
    }

    public void Dispose() => _server.Dispose();

    private async Task<List<T>> ScalarsAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(_server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }
}
