using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Grains;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.Silo.Demo;
using OrleansRepl.TestKit;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// Silo processes (<c>dotnet orepl-silo.dll</c>) on loopback against a real PostgreSQL: nodes <c>{prefix}1</c>,
/// <c>{prefix}2</c>, … in replica set <c>{prefix}</c>, home node <c>{prefix}1</c>. Disposing stops them all.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _directory = new();
    private readonly DemoCluster _cluster;
    private readonly string _connectionString;
    private ClusterClient? _client;

    public TestCluster(PostgresServer postgres, string prefix, long segmentRollBytes = 1 << 20)
    {
        Prefix = prefix;
        _connectionString = postgres.ConnectionString;
        _cluster = new DemoCluster(_directory.Path, segmentRollBytes, SiloLauncher.Dotnet(ExternalTool.Resolve("dotnet"), Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll")), new Dictionary<string, string>
        {
            ["Silo:Storage"] = "postgres",
            ["Silo:PostgresConnectionString"] = postgres.ConnectionString,
            ["Silo:HomeNode"] = $"{prefix}1",
            ["Silo:HeartbeatIntervalSeconds"] = "0.5",
            ["Silo:DeadAfterSeconds"] = "3",
            ["Replication:ReplicaSet"] = prefix,
            ["Logging:LogLevel:Default"] = "Information",
        });
    }

    public string Prefix { get; }

    public string TokenFile => _cluster.TokenFile;

    public Uri Gateway(int number) => _cluster.Silo(Node(number)).Gateway;

    public ClusterClient Client => _client ?? throw new InvalidOperationException("start the first node first");

    public string Node(int number) => $"{Prefix}{number}";

    /// <summary>The node's data directory: its store, and the bootstrap's work files beside it.</summary>
    public string DataDirectory(int number) => Path.Combine(_cluster.WorkDirectory, Node(number));

    public async Task StartAsync(int number)
    {
        var silo = await _cluster.StartAsync(Node(number), Patience, CancellationToken.None);
        _client ??= _cluster.Connect(silo.Gateway, Prefix);
    }

    /// <summary>SIGTERM: a graceful stop; true when the silo ended within 30 s.</summary>
    public Task<bool> StopAsync(int number) => _cluster.Silo(Node(number)).StopAsync(TimeSpan.FromSeconds(30));

    /// <summary>SIGKILL, then wait until the membership declares the silo dead (a restart is refused before that).</summary>
    public async Task KillAsync(int number)
    {
        await _cluster.Silo(Node(number)).KillAsync();
        await WaitAsync($"{Node(number)} to be declared dead", async () => !(await Client.Grains.GetMembersAsync()).Any(m => m.NodeId == Node(number) && m.IsLive));
    }

    public async Task AddAsync(int number)
    {
        await WaitAsync($"{Node(number)}'s store to open", async () => (await StatusAsync(number)).ShardCount > 0);
        await Client.ReplicaSetGrain.AddNodeAsync(Node(number), await Client.ReplicationAddressOfAsync(Node(number)), (await StatusAsync(number)).ShardCount);
    }

    public Task<NodeStatus> StatusAsync(int number) => Client.Grains.Node(Node(number)).GetStatusAsync();

    public IShardGrain Shard(int number, int shard) => Client.Grains.Shard(Node(number), shard);

    /// <summary>Waits until every node in <paramref name="numbers"/> has the store root of <paramref name="leader"/>.</summary>
    public async Task ConvergedAsync(int leader, params int[] numbers) =>
        await WaitAsync($"{string.Join(',', numbers.Select(Node))} to match {Node(leader)}", async () =>
        {
            var root = (await StatusAsync(leader)).StoreRoot;
            foreach (var number in numbers)
            {
                if ((await StatusAsync(number)).StoreRoot != root)
                {
                    return false;
                }
            }

            return true;
        });

    public async Task SetPausedAsync(int number, bool paused)
    {
        for (var shard = 0; shard < (await StatusAsync(number)).ShardCount; shard++)
        {
            await (paused ? Shard(number, shard).PauseAsync() : Shard(number, shard).ResumeAsync());
        }

        if (paused)
        {
            await WaitAsync($"{Node(number)}'s followers to stop", async () => (await StatusAsync(number)).Shards.All(s => !s.Following));
        }
    }

    /// <summary>The shard cursor as stored in PostgreSQL, read without any silo (its node may be down).</summary>
    public async Task<ShardGrainState?> StoredShardStateAsync(int number, int shard)
    {
        await using var source = NpgsqlDataSource.Create(_connectionString);
        var stored = await new PostgresGrainStorage(source).ReadAsync($"{typeof(ShardGrain).FullName}.shard", new ShardKey(Node(number), shard).ToString(), CancellationToken.None);
        return stored is null ? null : JsonSerializer.Deserialize(stored.Payload, GrainStateJson.Default.ShardGrainState);
    }

    public static async Task WaitAsync(string what, Func<Task<bool>> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < Patience, $"gave up waiting for {what} after {Patience.TotalSeconds} s");
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await _cluster.StopAllAsync();
        await _cluster.DisposeAsync();
        if (Environment.GetEnvironmentVariable("OREPL_TEST_KEEP") is { } keep)
        {
            foreach (var log in Directory.GetFiles(_directory.Path, "*.log"))
            {
                File.Copy(log, Path.Combine(keep, Path.GetFileName(log)), overwrite: true);
            }
        }

        _directory.Dispose();
    }
}
