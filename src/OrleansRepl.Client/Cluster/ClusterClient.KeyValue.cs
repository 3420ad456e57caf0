using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Client.Cluster;

/// <summary>The key-value API through each key's shard leader: single keys, batched loads, and the HTTP plumbing both share.</summary>
public sealed partial class ClusterClient
{
    /// <summary>Entries in one batch at most, under the nodes' default <c>Replication:KeyValue:MaxBatchOperations</c>.</summary>
    private const int MaxBatchEntries = 50_000;

    /// <summary>
    /// How long past a lease a write waits for a failover: Orleans membership declaring a silo dead (three missed
    /// probes of 5 s as shipped, then the votes) and the replica set grain placed again.
    /// </summary>
    private static readonly TimeSpan FailoverAllowance = TimeSpan.FromSeconds(30);

    /// <summary>How often a batch a busy node refused (429) is offered again.</summary>
    private const int BusyRetries = 30;

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
    /// node refuses because leadership moved is split by the topology read again and sent once more. With
    /// <paramref name="acks"/>, each batch counts as written only once that many followers hold it (within
    /// <paramref name="acksTimeout"/>, or the node's default): otherwise <see cref="ReplicationTimeoutException"/>.
    /// </summary>
    public async Task<long> LoadAsync(IEnumerable<KeyValuePair<string, byte[]>> records, int batchBytes = 1 << 20, IProgress<long>? progress = null, int acks = 0, TimeSpan? acksTimeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(acks);
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

            inFlight[leader] = PostBatchAsync(leader, entries, (written, progress, acks, acksTimeout), retry: true, cancellationToken);
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

    private string LeaderOf(byte[] key)
    {
        var topology = Volatile.Read(ref _topology)!;
        return topology.ShardCount > 0
            ? topology.Leaders[LogStore.ShardOf(key, topology.ShardCount)]
            : throw new InvalidOperationException($"replica set {ReplicaSet} has no nodes yet; add one first (orepl add-node)");
    }

    private async Task PostBatchAsync(string leader, List<KeyValuePair<byte[], byte[]>> entries, (StrongBox<long> Written, IProgress<long>? Progress, int Acks, TimeSpan? Timeout) load, bool retry, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        foreach (var (key, value) in entries)
        {
            KeyValueBatch.Write(body, key, value);
        }

        var api = await ApiOfAsync(leader, cancellationToken);
        var uri = new Uri(api, load.Acks == 0 ? "kv" : string.Create(CultureInfo.InvariantCulture, $"kv?acks={load.Acks}{(load.Timeout is { } t ? $"&acks-timeout={t.TotalSeconds}" : "")}"));
        using var response = await PostAdmittedAsync(uri, body, cancellationToken);
        if (response.StatusCode == HttpStatusCode.MisdirectedRequest && retry)
        {
            await GetTopologyAsync(cancellationToken); // leadership moved: route every record of the batch again
            foreach (var group in entries.GroupBy(e => LeaderOf(e.Key)))
            {
                await PostBatchAsync(group.Key, [.. group], load, retry: false, cancellationToken);
            }

            return;
        }

        if (response.StatusCode == HttpStatusCode.MisdirectedRequest)
        {
            throw new NotLeaderException($"a batch of {entries.Count} records to {leader}: {await DetailAsync(response, cancellationToken)}");
        }

        await EnsureSuccessAsync(response, $"a batch of {entries.Count} records to {leader}");
        var total = Interlocked.Add(ref load.Written.Value, entries.Count); // not inside progress?.Report(...): that skips it when null
        load.Progress?.Report(total);
    }

    /// <summary>
    /// Posts a batch body; a node busy with as many batches as it takes at once (429), or a leader without its lease
    /// for now (503 with a Retry-After), is asked again after the Retry-After it names, up to <see cref="BusyRetries"/>
    /// times; then its refusal is the answer.
    /// </summary>
    private async Task<HttpResponseMessage> PostAdmittedAsync(Uri uri, MemoryStream body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(body.GetBuffer(), 0, (int)body.Length);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            var response = await _http.PostAsync(uri, content, cancellationToken);
            if (ComeBackAfter(response) is not { } pause || attempt == BusyRetries)
            {
                return response;
            }

            response.Dispose();
            await Task.Delay(pause, cancellationToken);
        }
    }

    /// <summary>
    /// After <paramref name="leader"/> did not answer: waits a little, then forgets the API addresses and reads the
    /// topology again, so the next try goes to whoever leads now. Once a failover has had time to happen and none
    /// has, throws <see cref="LeaderUnreachableException"/>. That time is the lease and its drift, plus
    /// <see cref="FailoverAllowance"/> for the case where the replica set grain died with the leader's silo and
    /// must first be placed again, once Orleans membership has declared that silo dead.
    /// </summary>
    private async Task AwaitFailoverAsync(string leader, Stopwatch unreachable, Exception cause, CancellationToken cancellationToken)
    {
        var lease = TimeSpan.FromMilliseconds(Volatile.Read(ref _topology)?.LeaseMilliseconds ?? LeaseLength.DefaultMilliseconds);
        var bound = lease + LeaseLength.Drift(lease) + FailoverAllowance;
        if (unreachable.Elapsed > bound)
        {
            throw new LeaderUnreachableException($"the leader {leader} did not answer for {unreachable.Elapsed.TotalSeconds:0.0} s ({cause.Message}), and no other node was promoted in its place; a write sent to it may or may not have been taken", cause);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        Volatile.Write(ref _apis, []); // the leader's silo may have moved: ask its node grain again
    }

    /// <summary>
    /// How long to wait before asking again when the node says to come back later: 429 (busy), or 503 with a
    /// Retry-After (a leader without its lease, for now); at most 10 s. Null for any other answer.
    /// </summary>
    private static TimeSpan? ComeBackAfter(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.TooManyRequests && !(response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null))
        {
            return null;
        }

        var pause = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
        return pause < TimeSpan.FromSeconds(10) ? pause : TimeSpan.FromSeconds(10);
    }

    /// <summary>The query form, which carries every key (<c>.</c> and <c>..</c> too) byte for byte.</summary>
    private static Uri KeyUri(Uri api, byte[] key) => new(api, "kv?key=" + KeyEscaping.Escape(key));

    /// <summary>
    /// Sends a single-key request to the key's shard leader. A leader that moved (421) is looked up again once; one
    /// that does not answer is looked up again until a failover has had time to promote another (then
    /// <see cref="LeaderUnreachableException"/>); a leader that asks to be tried later (429, or 503 while it has no lease) is, up to
    /// <see cref="BusyRetries"/> times, reading the topology again each time, as a failover may be under way.
    /// </summary>
    private async Task SendToLeaderAsync(byte[] key, Func<Uri, HttpRequestMessage> request, CancellationToken cancellationToken, Func<HttpResponseMessage, Task>? read = null)
    {
        var (waits, moved) = (0, false);
        Stopwatch? unreachable = null;
        for (var attempt = 0; ; attempt++)
        {
            var leader = Volatile.Read(ref _topology) is null ? null : LeaderOf(key);
            HttpResponseMessage response;
            string method;
            try
            {
                if (attempt > 0 || leader is null)
                {
                    await GetTopologyAsync(cancellationToken);
                    leader = LeaderOf(key);
                }

                using var message = request(await ApiOfAsync(leader, cancellationToken));
                method = message.Method.Method;
                response = await _http.SendAsync(message, cancellationToken);
            }
            catch (Exception e) when (e is HttpRequestException or OrleansException or TimeoutException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // The leader's silo is gone (its API refuses, or its node grain cannot be placed), or moved; or a grain
                // call was cancelled by a silo while the cluster declares a dead silo dead (its grain directory moves).
                unreachable ??= Stopwatch.StartNew();
                await AwaitFailoverAsync(leader ?? "unknown", unreachable, e, cancellationToken);
                continue;
            }

            using (response)
            {
                if (ComeBackAfter(response) is { } pause && waits++ < BusyRetries)
                {
                    await Task.Delay(pause, cancellationToken);
                    continue; // the topology is read again: a new leader may be promoted meanwhile
                }

                if (response.StatusCode == HttpStatusCode.MisdirectedRequest && !moved)
                {
                    moved = true;
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
        if (await ReplicationTimeoutAsync(response) is { } timeout)
        {
            throw timeout;
        }

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
