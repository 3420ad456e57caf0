using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Serialization;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Persistence;

namespace OrleansRepl.Client.Cluster;

/// <summary>
/// A replica set through the Orleans client: the topology and the grains that change it, and the key-value API routed
/// to each key's shard leader (each node's API address comes from its node grain). The topology and the API
/// addresses are cached; a 421 from a node that no longer leads (or an API that is gone) refreshes them and the call
/// is tried once more.
/// </summary>
public sealed class ClusterClient : IAsyncDisposable
{
    /// <summary>Entries in one batch at most, under the nodes' default <c>Replication:KeyValue:MaxBatchOperations</c>.</summary>
    private const int MaxBatchEntries = 50_000;

    /// <summary>How often a batch a busy node refused (429) is offered again.</summary>
    private const int BusyRetries = 30;

    private readonly IHost _host;
    private readonly HttpClient _http;
    private ReplicaSetTopology? _topology;
    private Dictionary<string, Uri> _apis = [];

    private ClusterClient(IHost host, ClusterConnection connection)
    {
        _host = host;
        Orleans = host.Services.GetRequiredService<IClusterClient>();
        ReplicaSet = connection.ReplicaSet;
        _http = new HttpClient { Timeout = connection.CallTimeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
    }

    /// <summary>Connects to the cluster's gateways; fails (naming the cluster and where it looked) when none answers.</summary>
    public static async Task<ClusterClient> ConnectAsync(ClusterConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.ThrowIfInvalid();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Critical);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (connection.Cluster, connection.Cluster));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = connection.CallTimeout);
            client.Services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: CoreRecords.Travel));
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false)); // fail at once, naming where it looked
            if (connection.Gateways.Count > 0)
            {
                client.UseStaticClustering([.. connection.Gateways]);
            }
            else
            {
                var (invariant, database) = connection.PostgresConnectionString is { } postgres
                    ? (OrleansSchema.PostgresInvariant, postgres)
                    : (OrleansSchema.SqliteInvariant, $"Data Source={connection.SqliteMembershipFile}");
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (invariant, database));
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            var where = connection.Gateways.Count > 0 ? $"gateways {string.Join(", ", connection.Gateways)}"
                : connection.SqliteMembershipFile is { } file ? $"the membership in {file}" : "the membership in PostgreSQL";
            throw new ClusterUnavailableException($"cannot connect to cluster {connection.Cluster} through {where}: {e.Message}", e);
        }

        return new ClusterClient(host, connection);
    }

    public string ReplicaSet { get; }

    /// <summary>The Orleans client: every grain of the cluster by typed reference.</summary>
    public IClusterClient Orleans { get; }

    public IGrainFactory Grains => Orleans;

    public IReplicaSetGrain ReplicaSetGrain => Grains.ReplicaSet(ReplicaSet);

    public async Task<ReplicaSetTopology> GetTopologyAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var topology = await ReplicaSetGrain.GetTopologyAsync();
        Volatile.Write(ref _topology, topology);
        return topology;
    }

    /// <summary>The nodes that have an active silo, by the cluster membership the gateway's placement reads.</summary>
    public async Task<IReadOnlySet<string>> LiveNodesAsync() =>
        (await Grains.MembershipView().ActiveNodesAsync()).ToHashSet(StringComparer.Ordinal);

    /// <summary>The key-value API of <paramref name="node"/>, as its silo reports it.</summary>
    public async Task<Uri> ApiOfAsync(string node, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _apis).TryGetValue(node, out var known))
        {
            return known;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var status = await Grains.Node(node).GetStatusAsync();
        var api = new Uri(status.ApiUrl ?? throw new InvalidOperationException($"node {node} reports no key-value API"));
        Volatile.Write(ref _apis, new Dictionary<string, Uri>(Volatile.Read(ref _apis)) { [node] = api });
        return api;
    }

    /// <summary>The replication address (host:port) <paramref name="node"/>'s silo serves.</summary>
    public async Task<string> ReplicationAddressOfAsync(string node, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return (await Grains.Node(node).GetStatusAsync()).ReplicationAddress;
    }

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/>'s UTF-8 bytes, through the key's shard leader.</summary>
    public Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        PutAsync(Encoding.UTF8.GetBytes(key), value, cancellationToken);

    /// <summary>Writes <paramref name="value"/> under <paramref name="key"/>, any bytes, through the key's shard leader.</summary>
    public Task PutAsync(byte[] key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        SendToLeaderAsync(key, api => new HttpRequestMessage(HttpMethod.Put, KeyUri(api, key)) { Content = new ReadOnlyMemoryContent(value) }, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => DeleteAsync(Encoding.UTF8.GetBytes(key), cancellationToken);

    public Task DeleteAsync(byte[] key, CancellationToken cancellationToken = default) =>
        SendToLeaderAsync(key, api => new HttpRequestMessage(HttpMethod.Delete, KeyUri(api, key)), cancellationToken);

    /// <summary>The value of <paramref name="key"/>'s UTF-8 bytes from its leader, or from <paramref name="node"/>'s own copy when given; null when absent.</summary>
    public Task<byte[]?> GetAsync(string key, string? node = null, CancellationToken cancellationToken = default) =>
        GetAsync(Encoding.UTF8.GetBytes(key), node, cancellationToken);

    /// <summary>The value of <paramref name="key"/> from its leader, or from <paramref name="node"/>'s own copy when given; null when absent.</summary>
    public async Task<byte[]?> GetAsync(byte[] key, string? node = null, CancellationToken cancellationToken = default)
    {
        if (node is not null)
        {
            using var response = await _http.GetAsync(new Uri(KeyUri(await ApiOfAsync(node, cancellationToken), key) + "&local=true"), cancellationToken);
            return await ReadValueAsync(response, key, cancellationToken);
        }

        byte[]? value = null;
        await SendToLeaderAsync(key, api => new HttpRequestMessage(HttpMethod.Get, KeyUri(api, key)), cancellationToken, async response => value = await ReadValueAsync(response, key, cancellationToken));
        return value;
    }

    /// <summary>
    /// Writes <paramref name="records"/> through their leaders in batches of about <paramref name="batchBytes"/>,
    /// one batch in flight per leader; <paramref name="progress"/> hears the records written so far. A batch a
    /// node refuses because leadership moved is split by the topology read again and sent once more.
    /// </summary>
    public async Task<long> LoadAsync(IEnumerable<KeyValuePair<string, byte[]>> records, int batchBytes = 1 << 20, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (Volatile.Read(ref _topology) is null)
        {
            await GetTopologyAsync(cancellationToken);
        }

        var pending = new Dictionary<string, (List<KeyValuePair<byte[], byte[]>> Entries, long Bytes)>();
        var inFlight = new Dictionary<string, Task>();
        var written = new StrongBox<long>();
        async Task SendAsync(string leader, List<KeyValuePair<byte[], byte[]>> entries)
        {
            if (inFlight.Remove(leader, out var previous))
            {
                await previous;
            }

            inFlight[leader] = PostBatchAsync(leader, entries, written, progress, retry: true, cancellationToken);
        }

        foreach (var (key, value) in records)
        {
            var keyBytes = Encoding.UTF8.GetBytes(key);
            var leader = LeaderOf(keyBytes);
            var batch = pending.TryGetValue(leader, out var open) ? open : ([], 0);
            batch.Entries.Add(KeyValuePair.Create(keyBytes, value));
            batch.Bytes += 8 + keyBytes.Length + value.Length;
            if (batch.Bytes >= batchBytes || batch.Entries.Count >= MaxBatchEntries)
            {
                pending.Remove(leader);
                await SendAsync(leader, batch.Entries);
            }
            else
            {
                pending[leader] = batch;
            }
        }

        foreach (var (leader, batch) in pending)
        {
            await SendAsync(leader, batch.Entries);
        }

        await Task.WhenAll(inFlight.Values);
        return Interlocked.Read(ref written.Value);
    }

    /// <summary>Every member's store, shards, bootstrap and peers; a node whose silo is down is reported, not skipped.</summary>
    public async Task<ClusterStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var topology = await GetTopologyAsync(cancellationToken);
        var live = await LiveNodesAsync();
        var nodes = new List<NodeView>();
        foreach (var node in topology.Nodes.Select(n => n.NodeId).Concat(live.Order(StringComparer.Ordinal)).Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!live.Contains(node))
            {
                nodes.Add(new NodeView(node, null, null, "no live silo", [], null, []));
                continue;
            }

            NodeStatus? status = null;
            string? error = null;
            var shards = new List<ShardStatus>();
            var peers = new List<PeerStatus>();
            BootstrapStatus? bootstrap = null;
            try
            {
                status = await Grains.Node(node).GetStatusAsync();
                bootstrap = await Grains.Bootstrap(node).GetStatusAsync();
                for (var shard = 0; shard < topology.ShardCount; shard++)
                {
                    shards.Add(await Grains.Shard(node, shard).GetStatusAsync());
                }

                foreach (var peer in topology.PeersOf(node))
                {
                    peers.Add(await Grains.Peer(node, peer).GetStatusAsync());
                }
            }
            catch (Exception e) when (IsUnreachable(e))
            {
                error = e.Message; // the node went away meanwhile, or is starting: what was read is shown
            }

            nodes.Add(new NodeView(node, status?.ApiUrl is { } api ? new Uri(api) : null, status, error, shards, bootstrap, peers));
        }

        return new ClusterStatus(topology, nodes);
    }

    /// <summary>A grain call that failed because a node or the cluster could not be reached (or is still starting), rather than a refusal.</summary>
    public static bool IsUnreachable(Exception e) => e is OrleansException or TimeoutException or InvalidOperationException or HttpRequestException or TaskCanceledException;

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }

    private string LeaderOf(byte[] key)
    {
        var topology = Volatile.Read(ref _topology)!;
        return topology.ShardCount > 0
            ? topology.Leaders[LogStore.ShardOf(key, topology.ShardCount)]
            : throw new InvalidOperationException($"replica set {ReplicaSet} has no nodes yet; add one first (orepl add-node)");
    }

    private async Task PostBatchAsync(string leader, List<KeyValuePair<byte[], byte[]>> entries, StrongBox<long> written, IProgress<long>? progress, bool retry, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        foreach (var (key, value) in entries)
        {
            KeyValueBatch.Write(body, key, value);
        }

        var api = await ApiOfAsync(leader, cancellationToken);
        using var response = await PostAdmittedAsync(new Uri(api, "kv"), body, cancellationToken);
        if (response.StatusCode == HttpStatusCode.MisdirectedRequest && retry)
        {
            await GetTopologyAsync(cancellationToken); // leadership moved: route every record of the batch again
            foreach (var group in entries.GroupBy(e => LeaderOf(e.Key)))
            {
                await PostBatchAsync(group.Key, [.. group], written, progress, retry: false, cancellationToken);
            }

            return;
        }

        if (response.StatusCode == HttpStatusCode.MisdirectedRequest)
        {
            throw new NotLeaderException($"a batch of {entries.Count} records to {leader}: {await DetailAsync(response, cancellationToken)}");
        }

        await EnsureSuccessAsync(response, $"a batch of {entries.Count} records to {leader}");
        var total = Interlocked.Add(ref written.Value, entries.Count); // not inside progress?.Report(...): that skips it when null
        progress?.Report(total);
    }

    /// <summary>
    /// Posts a batch body; a node busy with as many batches as it takes at once (429) is asked again after the
    /// Retry-After it names, up to <see cref="BusyRetries"/> times, then the 429 is the answer.
    /// </summary>
    private async Task<HttpResponseMessage> PostAdmittedAsync(Uri uri, MemoryStream body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var response = await _http.PostAsync(uri, content, cancellationToken);
            if (response.StatusCode != HttpStatusCode.TooManyRequests || attempt == BusyRetries)
            {
                return response;
            }

            var pause = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(pause < TimeSpan.FromSeconds(10) ? pause : TimeSpan.FromSeconds(10), cancellationToken);
        }
    }

    /// <summary>The query form, which carries every key (<c>.</c> and <c>..</c> too) byte for byte.</summary>
    private static Uri KeyUri(Uri api, byte[] key) => new(api, "kv?key=" + KeyEscaping.Escape(key));

    private async Task SendToLeaderAsync(byte[] key, Func<Uri, HttpRequestMessage> request, CancellationToken cancellationToken, Func<HttpResponseMessage, Task>? read = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0 || Volatile.Read(ref _topology) is null)
            {
                await GetTopologyAsync(cancellationToken);
            }

            var leader = LeaderOf(key);
            HttpResponseMessage response;
            string method;
            try
            {
                using var message = request(await ApiOfAsync(leader, cancellationToken));
                method = message.Method.Method;
                response = await _http.SendAsync(message, cancellationToken);
            }
            catch (HttpRequestException) when (attempt == 0)
            {
                Volatile.Write(ref _apis, []); // the leader's silo moved or is gone: ask its node grain again
                continue;
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.MisdirectedRequest && attempt == 0)
                {
                    continue; // leadership moved: read the topology again
                }

                if (response.StatusCode == HttpStatusCode.MisdirectedRequest)
                {
                    throw new NotLeaderException(await DetailAsync(response, cancellationToken));
                }

                if (read is not null)
                {
                    await read(response);
                }
                else
                {
                    await EnsureSuccessAsync(response, $"{method} {KeyEscaping.Display(key)} on {leader}");
                }

                return;
            }
        }
    }

    private static async Task<byte[]?> ReadValueAsync(HttpResponseMessage response, byte[] key, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, $"GET {KeyEscaping.Display(key)}");
        return await response.Content.ReadAsByteArrayAsync(cancellationToken);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{what} failed: {(int)response.StatusCode} {await DetailAsync(response, CancellationToken.None)}", null, response.StatusCode);
        }
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
