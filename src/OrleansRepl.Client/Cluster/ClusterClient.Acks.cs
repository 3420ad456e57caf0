using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansRepl.Client.Cluster;

/// <summary>Acknowledged writes: a put or delete held by a number of followers before it returns, and waiting for what was written (the nodes' <c>/wait</c>).</summary>
public sealed partial class ClusterClient
{
    /// <summary>
    /// Writes <paramref name="value"/> under <paramref name="key"/> and returns once <paramref name="acks"/> followers
    /// hold it too (each has it committed under its fsync policy). When <paramref name="timeout"/> passes first (the
    /// node's default when null), throws <see cref="ReplicationTimeoutException"/> saying how many did; the write stands.
    /// </summary>
    public Task PutAsync(byte[] key, ReadOnlyMemory<byte> value, int acks, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        SendToLeaderAsync(key, api => new HttpRequestMessage(HttpMethod.Put, AckedUri(api, key, acks, timeout)) { Content = new ReadOnlyMemoryContent(value) }, cancellationToken);

    public Task PutAsync(string key, ReadOnlyMemory<byte> value, int acks, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        PutAsync(Encoding.UTF8.GetBytes(key), value, acks, timeout, cancellationToken);

    /// <summary>Deletes <paramref name="key"/>, acknowledged as <see cref="PutAsync(byte[], ReadOnlyMemory{byte}, int, TimeSpan?, CancellationToken)"/> is.</summary>
    public Task DeleteAsync(byte[] key, int acks, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        SendToLeaderAsync(key, api => new HttpRequestMessage(HttpMethod.Delete, AckedUri(api, key, acks, timeout)), cancellationToken);

    /// <summary>
    /// Waits until <paramref name="replicas"/> followers hold everything each shard leader has written so far, or
    /// <paramref name="timeout"/> passes; per leader, how many followers hold all of its shards (the fewest of any shard).
    /// </summary>
    public async Task<IReadOnlyList<ReplicaWaitReport>> WaitAsync(int replicas, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var topology = await GetTopologyAsync(cancellationToken);
        var reports = await Task.WhenAll(topology.Leaders.Distinct(StringComparer.Ordinal).Select(async leader =>
        {
            var api = await ApiOfAsync(leader, cancellationToken);
            var uri = new Uri(api, string.Create(CultureInfo.InvariantCulture, $"wait?replicas={replicas}&timeout={timeout.TotalSeconds}"));
            using var response = await _http.PostAsync(uri, null, cancellationToken);
            await EnsureSuccessAsync(response, $"waiting for {replicas} followers of {leader}");
            return await response.Content.ReadFromJsonAsync<ReplicaWaitReport>(JsonSerializerOptions.Web, cancellationToken)
                ?? throw new HttpRequestException($"node {leader} answered the wait with no report");
        }));
        return reports;
    }

    private static Uri AckedUri(Uri api, byte[] key, int acks, TimeSpan? timeout) =>
        new(KeyUri(api, key) + string.Create(CultureInfo.InvariantCulture, $"&acks={acks}") + (timeout is { } t ? string.Create(CultureInfo.InvariantCulture, $"&acks-timeout={t.TotalSeconds}") : ""));

    /// <summary>A 504 from an acknowledged write, as the exception that carries its counts; null for any other answer.</summary>
    private static async Task<ReplicationTimeoutException?> ReplicationTimeoutAsync(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.GatewayTimeout)
        {
            return null;
        }

        var detail = await DetailAsync(response, CancellationToken.None);
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = problem.RootElement;
            return new ReplicationTimeoutException(detail, root.GetProperty("acknowledged").GetInt32(), root.GetProperty("required").GetInt32());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null; // not the node's answer (a proxy's timeout, say): reported as any failure
        }
    }
}

/// <summary>What a leader answered a wait: how many followers hold all it wrote (<see cref="Replicas"/>), of <see cref="Asked"/>, and per shard.</summary>
public sealed record ReplicaWaitReport(string Node, long Epoch, int Replicas, int Asked, IReadOnlyList<ShardReplicas> Shards);

/// <summary>How many followers hold a shard through <see cref="Lsn"/>.</summary>
public sealed record ShardReplicas(int Shard, long Lsn, int Replicas);
