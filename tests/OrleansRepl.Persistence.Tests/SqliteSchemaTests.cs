using Microsoft.Data.Sqlite;
using OrleansRepl.TestKit;

namespace OrleansRepl.Persistence.Tests;

/// <summary>The 10.4.2 ADO.NET grain-state provider on SQLite (the embedded default) against the project's schema.</summary>
public sealed class SqliteSchemaTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task GrainState_SurvivesASiloRestart_AndAStaleVersionIsRefused()
    {
        var database = _directory.File("silo.db");
        var (siloPort, gatewayPort) = (LoopbackPort.Free(), LoopbackPort.Free());
        using (var silo = await OrleansHost.StartSqliteSiloAsync(database, siloPort, gatewayPort))
        {
            var counter = silo.Grains().GetGrain<ICounterGrain>("n1/0");
            Assert.Equal(1, await counter.IncrementAsync());
            Assert.Equal(2, await counter.IncrementAsync());
            await silo.StopAsync();
        }

        using (var silo = await OrleansHost.StartSqliteSiloAsync(database, siloPort, gatewayPort)) // the schema is applied again
        {
            var counter = silo.Grains().GetGrain<ICounterGrain>("n1/0");
            Assert.Equal(2, await counter.GetAsync());
            Assert.Equal(3, await counter.IncrementAsync());

            await ExecuteAsync(database, "UPDATE OrleansStorage SET Version = Version + 1");
            var error = await Assert.ThrowsAnyAsync<Exception>(() => counter.IncrementAsync());
            Assert.Contains("Version conflict", error.ToString());
            Assert.Equal(3, await counter.GetAsync());
            await silo.StopAsync();
        }
    }

    [Fact]
    public async Task SilosSharingOneMembershipFile_JoinAndAClientFindsThem_EachWithItsOwnStateFile()
    {
        var cluster = _directory.File("cluster.db");
        using var first = await OrleansHost.StartSqliteClusteredSiloAsync(cluster, _directory.File("n1.db"), "n1");
        using var second = await OrleansHost.StartSqliteClusteredSiloAsync(cluster, _directory.File("n2.db"), "n2");
        await using (var connection = new SqliteConnection($"Data Source={cluster}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT group_concat(SiloName, ',') FROM (SELECT SiloName FROM OrleansMembershipTable WHERE Status = 3 ORDER BY SiloName)";
            Assert.Equal("n1,n2", await command.ExecuteScalarAsync());
        }

        using var client = await OrleansHost.StartSqliteClientAsync(cluster);
        var counter = client.Client().GetGrain<ICounterGrain>("n2/7");
        Assert.Equal(1, await counter.IncrementAsync());
        Assert.Equal(2, await counter.IncrementAsync());

        // Its state went to the state file of the silo it runs on, and to no other (without node-affine placement a
        // later activation may land on the other silo: which is why the silo places node grains by node).
        var versions = new List<long>();
        foreach (var file in new[] { "n1.db", "n2.db" })
        {
            await using var state = new SqliteConnection($"Data Source={_directory.File(file)}");
            await state.OpenAsync();
            await using var read = state.CreateCommand();
            read.CommandText = "SELECT Version FROM OrleansStorage";
            versions.AddRange(await read.ExecuteScalarAsync() is long version ? [version] : []);
        }

        Assert.Equal([2L], versions);

        await second.StopAsync();
        await first.StopAsync();
    }

    [Fact]
    public async Task ACoreRecord_CrossesAGrainCall_AndIsStoredAndReadBack_AsJson()
    {
        var cursor = new OrleansRepl.Core.Replication.Streaming.Follower.FollowerCursor(1234, 5678, new OrleansRepl.Core.Storage.RecordVersion(ulong.MaxValue - 1, 7), DateTimeOffset.UnixEpoch.AddDays(20_000));
        using var silo = await OrleansHost.StartSqliteSiloAsync(_directory.File("core.db"), LoopbackPort.Free(), LoopbackPort.Free());
        var keeper = silo.Grains().GetGrain<ICursorKeeperGrain>("n1/0");
        await keeper.SaveAsync(cursor);
        await keeper.DeactivateAsync();
        Assert.Equal(cursor, await keeper.LoadAsync()); // read back from storage by a new activation
        await silo.StopAsync();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={database}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
