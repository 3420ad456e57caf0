using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Client.Cluster;

/// <summary>
/// A replica set through its gateways: the topology and the grains that change it, and the key-value API routed to
/// each key's shard leader. The topology and the node-to-gateway map are cached; a 421 from a node that no longer
/// leads (or a gateway that is gone) refreshes them and the call is tried once more.
/// </summary>
public sealed class ClusterClient : IDisposable
{
    private readonly GrainClient _grains;
    private ReplicaSetTopology? _topology;
    private Dictionary<string, Uri> _gateways = [];

    public ClusterClient(GrainClientOptions options, string replicaSet = "main")
    {
        ArgumentException.ThrowIfNullOrEmpty(replicaSet);
        _grains = new GrainClient(options);
        ReplicaSet = replicaSet;
    }

    public string ReplicaSet { get; }

    public GrainClient Grains => _grains;

    public IReplicaSetGrain ReplicaSetGrain => _grains.ReplicaSet(ReplicaSet);

    public async Task<ReplicaSetTopology> GetTopologyAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var topology = await ReplicaSetGrain.GetTopologyAsync();
        Volatile.Write(ref _topology, topology);
        return topology;
    }

    /// <summary>The gateway of <paramref name="node"/>'s live silo.</summary>
    public async Task<Uri> GatewayOfAsync(string node, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _gateways).TryGetValue(node, out var known))
        {
            return known;
        }

        var members = await _grains.GetMembersAsync(cancellationToken);
        var map = members.Where(m => m.IsLive).Select(m => m.NodeId).Distinct().ToDictionary(n => n, n => LiveSilo(members, n)!.Gateway);
        Volatile.Write(ref _gateways, map);
        return map.TryGetValue(node, out var gateway) ? gateway : throw new HttpRequestException($"node {node} has no live silo in the membership");
    }

    /// <summary>The replication address (host:port) <paramref name="node"/>'s live silo registered.</summary>
    public async Task<string> ReplicationAddressOfAsync(string node, CancellationToken cancellationToken = default)
    {
        var member = LiveSilo(await _grains.GetMembersAsync(cancellationToken), node)
            ?? throw new InvalidOperationException($"node {node} has no live silo in the membership; start it first");
        return string.Create(CultureInfo.InvariantCulture, $"{member.Host}:{member.ReplicationPort}");
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        SendToLeaderAsync(key, gateway => new HttpRequestMessage(HttpMethod.Put, KeyUri(gateway, key)) { Content = new ReadOnlyMemoryContent(value) }, cancellationToken);

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default) =>
        SendToLeaderAsync(key, gateway => new HttpRequestMessage(HttpMethod.Delete, KeyUri(gateway, key)), cancellationToken);

    /// <summary>The value of <paramref name="key"/> from its leader, or from <paramref name="node"/>'s own copy when given; null when absent.</summary>
    public async Task<byte[]?> GetAsync(string key, string? node = null, CancellationToken cancellationToken = default)
    {
        if (node is not null)
        {
            using var response = await _grains.Http.GetAsync(new Uri(KeyUri(await GatewayOfAsync(node, cancellationToken), key) + "?local=true"), cancellationToken);
            return await ReadValueAsync(response, key, cancellationToken);
        }

        byte[]? value = null;
        await SendToLeaderAsync(key, gateway => new HttpRequestMessage(HttpMethod.Get, KeyUri(gateway, key)), cancellationToken, async response => value = await ReadValueAsync(response, key, cancellationToken));
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
            if (batch.Bytes >= batchBytes)
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
        var members = await _grains.GetMembersAsync(cancellationToken);
        var nodes = new List<NodeView>();
        foreach (var node in topology.Nodes.Select(n => n.NodeId).Concat(members.Where(m => m.IsLive).Select(m => m.NodeId)).Distinct())
        {
            var gateway = LiveSilo(members, node)?.Gateway;
            NodeStatus? status = null;
            string? error = gateway is null ? "no live silo" : null;
            if (gateway is not null)
            {
                try
                {
                    status = await _grains.Node(node).GetStatusAsync();
                }
                catch (Exception e) when (e is GrainCallException or HttpRequestException or TaskCanceledException)
                {
                    error = e.Message;
                }
            }

            var shards = new List<ShardStatus>();
            var peers = new List<PeerStatus>();
            if (status is not null)
            {
                try
                {
                    for (var shard = 0; shard < topology.ShardCount; shard++)
                    {
                        shards.Add(await _grains.Shard(node, shard).GetStatusAsync());
                    }

                    foreach (var peer in topology.PeersOf(node))
                    {
                        peers.Add(await _grains.Peer(node, peer).GetStatusAsync());
                    }
                }
                catch (Exception e) when (e is GrainCallException or HttpRequestException or TaskCanceledException)
                {
                    error = e.Message; // the node went away meanwhile: what was read is shown
                }
            }

            BootstrapStatus? bootstrap = null;
            try
            {
                bootstrap = await _grains.Bootstrap(node).GetStatusAsync();
            }
            catch (Exception e) when (e is GrainCallException or HttpRequestException or TaskCanceledException)
            {
                // its home silo is down; reported as unknown
            }

            nodes.Add(new NodeView(node, gateway, status, error, shards, bootstrap, peers));
        }

        return new ClusterStatus(topology, nodes);
    }

    public void Dispose() => _grains.Dispose();

    /// <summary>The silo serving <paramref name="node"/>: its newest live generation, if any.</summary>
    private static SiloMember? LiveSilo(IEnumerable<SiloMember> members, string node) =>
        members.Where(m => m.IsLive && m.NodeId == node).MaxBy(m => m.Generation);

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

        var gateway = await GatewayOfAsync(leader, cancellationToken);
        using var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await _grains.Http.PostAsync(new Uri(gateway, "kv"), content, cancellationToken);
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

    private static Uri KeyUri(Uri gateway, string key) => new(gateway, "kv/" + Uri.EscapeDataString(key));

    private async Task SendToLeaderAsync(string key, Func<Uri, HttpRequestMessage> request, CancellationToken cancellationToken, Func<HttpResponseMessage, Task>? read = null)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        for (var attempt = 0; ; attempt++)
        {
            if (attempt > 0 || Volatile.Read(ref _topology) is null)
            {
                await GetTopologyAsync(cancellationToken);
            }

            var leader = LeaderOf(keyBytes);
            HttpResponseMessage response;
            string method;
            try
            {
                using var message = request(await GatewayOfAsync(leader, cancellationToken));
                method = message.Method.Method;
                response = await _grains.Http.SendAsync(message, cancellationToken);
            }
            catch (HttpRequestException) when (attempt == 0)
            {
                Volatile.Write(ref _gateways, []); // the leader's silo moved or is gone: read the membership again
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
                    await EnsureSuccessAsync(response, $"{method} {key} on {leader}");
                }

                return;
            }
        }
    }

    private static async Task<byte[]?> ReadValueAsync(HttpResponseMessage response, string key, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, $"GET {key}");
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
