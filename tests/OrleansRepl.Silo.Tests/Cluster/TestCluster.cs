using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Data.Sqlite;
using Npgsql;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Grains;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Silo.Demo;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// Orleans silo processes (<c>dotnet orepl-silo.dll</c>) on loopback against a real PostgreSQL, or on the embedded
/// default (SQLite files) when no server is given: nodes <c>{prefix}1</c>, <c>{prefix}2</c>, … in replica set and
/// Orleans cluster <c>{prefix}</c>. The client is connected again after every
/// start, through the gateways of every node started so far. Disposing stops them all.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _directory = new();
    private readonly DemoCluster _cluster;
    private HttpClient? _http;
    private readonly NpgsqlDataSource? _database;
    private ClusterClient? _client;
    private readonly Dictionary<int, IReadOnlyDictionary<string, string>> _nodeSettings = [];

    public TestCluster(PostgresServer? postgres, string prefix, long segmentRollBytes = 1 << 20, IReadOnlyDictionary<string, string>? settings = null)
    {
        Prefix = prefix;
        _database = postgres is null ? null : NpgsqlDataSource.Create(postgres.ConnectionString); // pooled: tests may poll stored state closely
        var storage = postgres is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["Silo:Storage"] = "postgres", ["Silo:PostgresConnectionString"] = postgres.ConnectionString };
        // The Orleans Dashboard is off unless a test asks for it: it doubles a silo's CPU at start (about 3 s of a
        // core), and the suite starts silos by the dozen on two cores.
        var all = new Dictionary<string, string>
        {
            ["Silo:ProbeTimeoutSeconds"] = "1",
            ["Silo:Dashboard"] = "false",
            ["Replication:ReplicaSet"] = prefix,
            ["Replication:Cluster"] = prefix,
            ["Logging:LogLevel:Default"] = "Information",
        };
        foreach (var (key, value) in storage.Concat(settings ?? new Dictionary<string, string>()))
        {
            all[key] = value;
        }

        _cluster = new DemoCluster(_directory.Path, segmentRollBytes, SiloLauncher.Dotnet(ExternalTool.Resolve("dotnet"), Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll")), all);
    }

    public string Prefix { get; }

    public string TokenFile => _cluster.TokenFile;

    /// <summary>The Orleans gateway of the node's silo.</summary>
    public IPEndPoint Gateway(int number) => _cluster.Silo(Node(number)).Gateway;

    /// <summary>The node's key-value API.</summary>
    public Uri Api(int number) => _cluster.Silo(Node(number)).Http;

    /// <summary>An HTTP client carrying the API token, trusting the cluster's CA.</summary>
    public HttpClient Http => _http ??= NewHttpClient();

    /// <summary>The client's TLS directory, for <c>orepl --tls</c>.</summary>
    public string ClientTlsDirectory => _cluster.ClientTlsDirectory ?? throw new InvalidOperationException("the cluster runs in plaintext");

    /// <summary>The client's TLS identity: its certificate, and the cluster's CA it checks the nodes' certificates against.</summary>
    public Core.Security.TlsIdentity ClientTls => _cluster.ClientTls ?? throw new InvalidOperationException("the cluster runs in plaintext");

    /// <summary>An HTTP client with no token that trusts the cluster's CA (the nodes' HTTPS).</summary>
    public HttpClient NewHttpClient() => new(ClusterTls.HttpHandler(_cluster.ClientTls));

    /// <summary>GETs <paramref name="path"/> from node <paramref name="number"/>'s HTTP port as the dashboard's user (orepl, the API token as password).</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsDashboardUserAsync(int number, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(Api(number), path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"orepl:{(await File.ReadAllTextAsync(TokenFile)).Trim()}")));
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>GETs <paramref name="path"/> from node <paramref name="number"/> as the dashboard's user, asserting a 200; returns the body.</summary>
    public async Task<string> GetOkAsDashboardUserAsync(int number, string path)
    {
        var (status, body) = await GetAsDashboardUserAsync(number, path);
        Assert.True(status == HttpStatusCode.OK, $"{path} on {Node(number)} answered {(int)status}: {body}");
        return body;
    }

    public ClusterClient Client => _client ?? throw new InvalidOperationException("start the first node first");

    public string Node(int number) => $"{Prefix}{number}";

    /// <summary>The node's data directory: its store, and the bootstrap's work files beside it.</summary>
    public string DataDirectory(int number) => Path.Combine(_cluster.WorkDirectory, Node(number));

    /// <summary>
    /// Starts the node's silo (again), and connects the client anew. <paramref name="nodeSettings"/> are the node's own
    /// over the cluster's, kept for its later starts.
    /// </summary>
    public async Task StartAsync(int number, IReadOnlyDictionary<string, string>? nodeSettings = null)
    {
        if (nodeSettings is not null)
        {
            _nodeSettings[number] = nodeSettings;
        }

        var silo = await _cluster.StartAsync(Node(number), Patience, CancellationToken.None, _nodeSettings.GetValueOrDefault(number));
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        _client = await _cluster.ConnectAsync(silo.Gateway, Prefix);
        Http.DefaultRequestHeaders.Authorization ??= new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(TokenFile)).Trim());
    }

    /// <summary>A client of its own through the gateways of <paramref name="numbers"/> only (one side of a partition, say).</summary>
    public Task<ClusterClient> ConnectThroughAsync(params int[] numbers) => _cluster.ConnectAsync([.. numbers.Select(Gateway)], Prefix);

    /// <summary>SIGTERM: a graceful stop; true when the silo ended within 30 s.</summary>
    public Task<bool> StopAsync(int number) => _cluster.Silo(Node(number)).StopAsync(TimeSpan.FromSeconds(30));

    /// <summary>
    /// SIGKILL, as a crash would, then wait until the cluster has declared the silo dead: a restart before that can
    /// find the node's grains still registered to the dead silo (its next start is then unreachable for a while).
    /// The client may be using the killed silo as its gateway: a call sent there before the client notices is lost
    /// (Orleans would time it out only after 30 s), so each look is cut short and an unreachable cluster counts as "not yet".
    /// </summary>
    public async Task KillAsync(int number)
    {
        await _cluster.Silo(Node(number)).KillAsync();
        await WaitAsync($"{Node(number)} to be declared dead", async () =>
        {
            try
            {
                return !(await Client.LiveNodesAsync().WaitAsync(TimeSpan.FromSeconds(5))).Contains(Node(number));
            }
            catch (Exception e) when (ClusterClient.IsUnreachable(e))
            {
                return false;
            }
        });
    }

    /// <summary>The process id of the node's silo, as last started.</summary>
    public int ProcessId(int number) => _cluster.Silo(Node(number)).ProcessId;

    /// <summary>Whether the node's silo, as last started, has ended.</summary>
    public bool HasExited(int number) => _cluster.Silo(Node(number)).HasExited;

    /// <summary>SIGSTOP: the silo freezes, as a hung machine or a network cut both ways would look to the others.</summary>
    public Task PauseAsync(int number) => _cluster.Silo(Node(number)).SignalAsync("STOP");

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync(int number) => _cluster.Silo(Node(number)).SignalAsync("CONT");

    /// <summary>Starts each node's silo and adds it to the replica set, in the order given: the first leads every shard.</summary>
    public async Task StartMembersAsync(params int[] numbers)
    {
        foreach (var number in numbers)
        {
            await StartAsync(number);
            await AddAsync(number);
        }
    }

    /// <summary>Adds the node to the replica set at its own replication address, or at <paramref name="address"/> (a proxy in front of it).</summary>
    public async Task AddAsync(int number, string? address = null)
    {
        await WaitAsync($"{Node(number)}'s store to open", async () => (await StatusAsync(number)).ShardCount > 0,
            () => $"the end of its silo's log:\n{string.Join('\n', File.ReadLines(Log(number)).TakeLast(40))}");
        await Client.ReplicaSetGrain.AddNodeAsync(Node(number), address ?? await Client.ReplicationAddressOfAsync(Node(number)), (await StatusAsync(number)).ShardCount);
    }

    /// <summary>The node's replication port.</summary>
    public IPEndPoint ReplicationEndPoint(int number) => new(IPAddress.Loopback, _cluster.Silo(Node(number)).Ports.Replication);

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

    /// <summary>The node's silo log.</summary>
    public string Log(int number) => _cluster.Silo(Node(number)).Log;

    /// <summary>The shard grain's state as stored (JSON, in PostgreSQL or the node's SQLite file), read without any silo (its node may be down).</summary>
    public Task<ShardGrainState?> StoredShardStateAsync(int number, int shard) =>
        StoredStateAsync(number, "shard", new ShardKey(Node(number), shard).ToString(), GrainStateJson.Default.ShardGrainState);

    /// <summary>The bootstrap grain's state (its intents) as stored, read without any silo.</summary>
    public Task<BootstrapGrainState?> StoredBootstrapStateAsync(int number) =>
        StoredStateAsync(number, "bootstrap", new BootstrapKey(Node(number)).ToString(), GrainStateJson.Default.BootstrapGrainState);

    private async Task<T?> StoredStateAsync<T>(int number, string state, string key, JsonTypeInfo<T> type)
        where T : class
    {
        const string Query = "SELECT PayloadBinary FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = @state AND GrainIdExtensionString = @key";
        object? payload;
        if (_database is not null)
        {
            await using var command = _database.CreateCommand(Query);
            command.Parameters.AddWithValue("service", Prefix);
            command.Parameters.AddWithValue("state", state);
            command.Parameters.AddWithValue("key", key);
            payload = await command.ExecuteScalarAsync();
        }
        else
        {
            // The node's own grains keep their state in grains.db in its data directory (read-only, beside the silo).
            await using var connection = new SqliteConnection($"Data Source={Path.Combine(DataDirectory(number), "grains.db")};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = Query;
            command.Parameters.AddWithValue("@service", Prefix);
            command.Parameters.AddWithValue("@state", state);
            command.Parameters.AddWithValue("@key", key);
            payload = await command.ExecuteScalarAsync();
        }

        return payload is byte[] json ? JsonSerializer.Deserialize(json, type) : null;
    }

    /// <summary>
    /// Polls <paramref name="condition"/> until it holds. A node grain whose silo the placing silo does not list yet
    /// (a silo just started, before every membership view has it) counts as "not yet", not as a failure. When it gives
    /// up, <paramref name="explain"/> (if given) adds what was seen to the failure.
    /// </summary>
    public static async Task WaitAsync(string what, Func<Task<bool>> condition, Func<string>? explain = null)
    {
        var waited = Stopwatch.StartNew();
        string? unplaceable = null;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (OrleansRepl.Placement.NodeUnavailableException e)
            {
                unplaceable = e.Message;
            }

            if (waited.Elapsed >= Patience)
            {
                Assert.Fail($"gave up waiting for {what} after {Patience.TotalSeconds} s{(unplaceable is null ? "" : $"; the last placement error: {unplaceable}")}{(explain is null ? "" : $"; {explain()}")}");
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http?.Dispose();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

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
