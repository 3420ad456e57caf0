using System.Diagnostics;
using Npgsql;
using OrleansRepl.Hosting.Membership;
using OrleansRepl.TestKit;
using OrleansRepl.TestSilo;

namespace OrleansRepl.Client.Tests;

/// <summary>Real silo processes on a real, throwaway PostgreSQL: placement, fencing, SIGKILL and restart.</summary>
public sealed class SiloProcessTests : IDisposable
{
    private const string Token = "silo process test token 0123456789";
    private readonly TempDirectory _directory = new();
    private readonly PostgresServer _postgres = PostgresServer.Start();
    private readonly List<Process> _silos = [];

    [Fact]
    public async Task TwoSilos_ServeTheirNodesGrains_AKilledSiloIsDeclaredDead_AndItsRestartServesThePersistedState()
    {
        var (portA, portB) = (LoopbackPort.Free(), LoopbackPort.Free());
        var siloA = Start("node-a", portA);
        var siloB = Start("node-b", portB);
        using var client = new GrainClient(new GrainClientOptions { Gateways = [Gateway(portA), Gateway(portB)], Token = Token });
        await UntilServingAsync(client, "node-a/tally");
        await UntilServingAsync(client, "node-b/tally");

        Assert.Equal(5, await client.GetGrain<ITallyGrain>("node-a/tally").AddAsync(5));
        Assert.Equal(7, await client.GetGrain<ITallyGrain>("node-b/tally").AddAsync(7)); // asked at node a's gateway, served by b
        Assert.Equal("node-b", await client.GetGrain<ITallyGrain>("node-b/tally").ServedByAsync());

        // A second silo for a node id that a live silo holds is refused, naming the holder.
        using (var duplicate = Start("node-a", LoopbackPort.Free(), track: false))
        {
            var error = await duplicate.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
            await duplicate.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1, duplicate.ExitCode);
            Assert.Contains("node id node-a is held by live silo node-a-", error);
        }

        // SIGKILL node b: node a's silo declares it dead within the timeout (2 s here).
        siloB.Kill();
        await siloB.WaitForExitAsync();
        var membership = new PostgresMembershipTable(NpgsqlDataSource.Create(_postgres.ConnectionString));
        var killed = Stopwatch.StartNew();
        while ((await membership.ReadAllAsync(CancellationToken.None)).Single(s => s.NodeId == "node-b").Status != SiloStatus.Dead)
        {
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(15), "node b was not declared dead within 15 s");
            await Task.Delay(100);
        }

        // The timeout (2 s) plus a sweep interval, with room for a loaded test machine's scheduling.
        Assert.True(killed.Elapsed < TimeSpan.FromSeconds(8), $"declared dead after {killed.Elapsed}");

        // Restarted, node b takes a new generation and serves the grain's persisted state.
        Start("node-b", portB);
        await UntilServingAsync(client, "node-b/tally");
        Assert.Equal(7, await client.GetGrain<ITallyGrain>("node-b/tally").TotalAsync());
        Assert.Equal(2, (await membership.ReadAllAsync(CancellationToken.None)).Where(s => s.NodeId == "node-b").Max(s => s.Generation));
        Assert.False(siloA.HasExited);
    }

    [Fact]
    public async Task TwoSiloProcesses_ShareOneSqliteFile_TheEmbeddedDefault()
    {
        var database = _directory.File("cluster.db");
        var (portA, portB) = (LoopbackPort.Free(), LoopbackPort.Free());
        // A timeout of a minute: only leaving on a graceful stop can free node a's id for the restart below.
        string[] slowDeath = ["--Silo:DeadAfterSeconds=60"];
        var siloA = Start("node-a", portA, storage: ["--Silo:Storage=sqlite", $"--Silo:SqlitePath={database}"], overrides: slowDeath);
        Start("node-b", portB, storage: ["--Silo:Storage=sqlite", $"--Silo:SqlitePath={database}"]);
        using var client = new GrainClient(new GrainClientOptions { Gateways = [Gateway(portB)], Token = Token });
        await UntilServingAsync(client, "node-a/tally");
        await UntilServingAsync(client, "node-b/tally");

        var writes = Enumerable.Range(0, 50).Select(i => client.GetGrain<ITallyGrain>(i % 2 == 0 ? "node-a/tally" : "node-b/tally").AddAsync(1));
        await Task.WhenAll(writes);
        Assert.Equal(25, await client.GetGrain<ITallyGrain>("node-a/tally").TotalAsync());
        Assert.Equal(25, await client.GetGrain<ITallyGrain>("node-b/tally").TotalAsync());
        Assert.Equal("node-a", await client.GetGrain<ITallyGrain>("node-a/tally").ServedByAsync());

        // A graceful stop (SIGTERM) leaves the membership at once: the node restarts without waiting out the timeout.
        ExternalTool.Run("kill", ["-TERM", $"{siloA.Id}"]);
        await siloA.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, siloA.ExitCode);
        var again = Start("node-a", portA, storage: ["--Silo:Storage=sqlite", $"--Silo:SqlitePath={database}"], overrides: slowDeath);
        await UntilServingAsync(client, "node-a/tally");
        Assert.False(again.HasExited);
        Assert.Equal(25, await client.GetGrain<ITallyGrain>("node-a/tally").TotalAsync());
    }

    public void Dispose()
    {
        foreach (var silo in _silos.Where(s => !s.HasExited))
        {
            silo.Kill();
            silo.WaitForExit();
        }

        _postgres.Dispose();
        _directory.Dispose();
    }

    private Process Start(string node, int port, bool track = true, string[]? storage = null, string[]? overrides = null)
    {
        var process = ExternalTool.Start(ExternalTool.Resolve("dotnet"), [
            Path.Combine(AppContext.BaseDirectory, "OrleansRepl.TestSilo.dll"),
            $"--Silo:NodeId={node}", $"--Silo:GatewayPort={port}",
            .. storage ?? ["--Silo:Storage=postgres", $"--Silo:PostgresConnectionString={_postgres.ConnectionString}"],
            $"--Silo:GatewayTokenFile={_directory.Write("token", Token)}",
            "--Silo:HeartbeatIntervalSeconds=0.5", "--Silo:DeadAfterSeconds=2", "--Logging:LogLevel:Default=Warning", .. overrides ?? []]);
        if (track)
        {
            _silos.Add(process);
            _ = process.StandardOutput.ReadToEndAsync(); // keep the pipes drained
            _ = process.StandardError.ReadToEndAsync();
        }

        return process;
    }

    /// <summary>Polls (bounded) until the grain answers through some gateway.</summary>
    private static async Task UntilServingAsync(GrainClient client, string key)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await client.GetGrain<ITallyGrain>(key).TotalAsync();
                return;
            }
            catch (Exception e) when ((e is HttpRequestException or GrainCallException) && deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }
    }

    private static Uri Gateway(int port) => new($"http://127.0.0.1:{port}/");
}
