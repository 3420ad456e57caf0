using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Core.Storage;
using OrleansRepl.Silo.Node;

namespace OrleansRepl.Silo.Data;

/// <summary>
/// The node's key-value API on the gateway, behind its token. Writes go to the shard's leader: a node that does not
/// lead the key's shard right now (or is fenced off by a newer epoch) answers 421 naming the leader it knows and
/// the epoch, and writes nothing. Reads come from the leader too, unless <c>?local=true</c> asks this node's copy.
/// <list type="bullet">
/// <item><c>PUT /kv/{key}</c> with the value as the body; <c>GET /kv/{key}</c>; <c>DELETE /kv/{key}</c>. The key is
/// percent-escaped bytes (<see cref="KeyEscaping"/>); <c>/kv?key={key}</c> is the same and also takes the keys
/// <c>.</c> and <c>..</c>.</item>
/// <item><c>POST /kv</c>: a batch, the body a sequence of <c>u32 key length | key | u32 value length | value</c>
/// (little-endian), every key in a shard this node leads; checked whole before any of it is written. At most
/// <see cref="KeyValueApiOptions.MaxBatchOperations"/> entries (413) and <see cref="KeyValueApiOptions.MaxConcurrentBatches"/>
/// batches at once (429 with Retry-After, before the body is read).</item>
/// <item>Every write takes <c>?acks=N&amp;acks-timeout=SECONDS</c> (<see cref="WriteConcern"/>): acknowledged once N
/// followers hold it too, else 504 with the count (<see cref="ReplicaWait"/>); <c>POST /wait?replicas=N</c> waits for
/// all this leader wrote.</item>
/// </list>
/// </summary>
public static partial class KeyValueEndpoints
{
    public static IEndpointRouteBuilder MapKeyValue(this IEndpointRouteBuilder endpoints, string token, KeyValueApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var admission = new BatchAdmission(options.MaxConcurrentBatches);
        var logger = endpoints.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(KeyValueEndpoints));
        var kv = endpoints.MapGroup("/kv").RequireApiToken(token);
        foreach (var pattern in new[] { "/{key}", "/" })
        {
            kv.MapPut(pattern, (HttpContext http, LocalNode node) => PutAsync(http, node, options, logger));
            kv.MapDelete(pattern, (HttpContext http, LocalNode node) => DeleteAsync(http, node, options, logger));
            kv.MapGet(pattern, Get);
        }

        kv.MapPost("/", (HttpContext http, LocalNode node) => PostBatchAsync(http, node, options, admission, logger));
        endpoints.MapGroup("/wait").RequireApiToken(token).MapPost("/", (HttpContext http, LocalNode node) => ReplicaWait.WaitAsync(http, node, options));
        return endpoints;
    }

    private static async Task<IResult> PutAsync(HttpContext http, LocalNode node, KeyValueApiOptions options, ILogger logger)
    {
        if (!RequestKey.TryRead(http, out var key, out var problem))
        {
            return BadKey(problem);
        }

        var (concern, unmet) = WriteConcern.Read(http, node, options);
        if (unmet is not null)
        {
            return BadConcern(unmet);
        }

        var value = await ReadBodyAsync(http, node.StoreOptions.MaxValueBytes);
        return value is null
            ? Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "ValueTooLarge", detail: $"the value of {KeyEscaping.Display(key)} exceeds {node.StoreOptions.MaxValueBytes} bytes")
            : await WriteAsync(http, node, [WriteOperation.Put(key, value)], concern, logger);
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, LocalNode node, KeyValueApiOptions options, ILogger logger)
    {
        if (!RequestKey.TryRead(http, out var key, out var problem))
        {
            return BadKey(problem);
        }

        var (concern, unmet) = WriteConcern.Read(http, node, options);
        return unmet is null ? await WriteAsync(http, node, [WriteOperation.Delete(key)], concern, logger) : BadConcern(unmet);
    }

    private static IResult Get(HttpContext http, bool? local, LocalNode node)
    {
        if (!RequestKey.TryRead(http, out var key, out var problem))
        {
            return BadKey(problem);
        }

        if (node.Store is not { } store)
        {
            return local == true ? Unavailable(node) : Closed(node, key);
        }

        var shard = store.ShardOf(key);
        if (local != true && !node.IsWritable(shard))
        {
            return Refused(node, shard); // a leader without its lease may have been replaced: it does not answer for the shard
        }

        return store.Get(key) is { } value ? Results.Bytes(value) : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "NotFound", detail: $"no value for {KeyEscaping.Display(key)} on {node.NodeId}");
    }

    private static async Task<IResult> PostBatchAsync(HttpContext http, LocalNode node, KeyValueApiOptions options, BatchAdmission admission, ILogger logger)
    {
        if (http.Request.ContentLength is not { } length || length > options.MaxBatchBytes)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "BatchTooLarge", detail: $"a batch needs a Content-Length of at most {options.MaxBatchBytes} bytes, got {http.Request.ContentLength?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
        }

        var (concern, unmet) = WriteConcern.Read(http, node, options);
        if (unmet is not null)
        {
            return BadConcern(unmet);
        }

        using var slot = admission.TryEnter();
        if (slot is null)
        {
            http.Response.Headers.RetryAfter = "1";
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "TooManyBatches", detail: $"node {node.NodeId} is writing {admission.Limit} batches already; retry after a second");
        }

        var body = await ReadBodyAsync(http, (int)length);
        if (body is null)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadBatch", detail: $"the batch is longer than its Content-Length of {length} bytes");
        }

        var parsed = KeyValueBatch.Parse(body, node.StoreOptions, options.MaxBatchOperations);
        if (parsed.Operations is not { } operations)
        {
            return parsed.TooManyOperations
                ? Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "TooManyOperations", detail: parsed.Problem)
                : Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadBatch", detail: parsed.Problem);
        }

        return await WriteAsync(http, node, operations, concern, logger);
    }

    /// <summary>An I/O error's own words without the file it names (<c>No space left on device : '/data/…'</c>).</summary>
    private static string WithoutPath(Exception? cause) =>
        cause?.Message is { } message && message.IndexOf(" : '", StringComparison.Ordinal) is var at and >= 0 ? message[..at] : cause?.Message ?? "unknown cause";

    [LoggerMessage(EventId = 910, Level = LogLevel.Error, Message = "error {CorrelationId}: a write to shard {Shard} of node {Node} failed")]
    private static partial void LogShardFailed(ILogger logger, string correlationId, string node, int shard, Exception exception);

    private static IResult BadKey(string? problem) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadKey", detail: problem);

    private static IResult BadConcern(string problem) => Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadAcks", detail: problem);

    /// <summary>Writes on this node (the leader), then, when <paramref name="concern"/> asks, waits for followers to hold the write (<see cref="ReplicaWait"/>).</summary>
    private static async Task<IResult> WriteAsync(HttpContext http, LocalNode node, IReadOnlyList<WriteOperation> operations, WriteConcern concern, ILogger logger)
    {
        var (failure, written) = await WriteLocallyAsync(node, operations, logger, http.RequestAborted);
        return failure ?? await ReplicaWait.AcknowledgeAsync(http, node, written, concern);
    }

    /// <summary>The write on this node: a failure to answer, or the shards written with the epoch and the LSN each reached.</summary>
    private static async Task<(IResult? Failure, WrittenThrough Written)> WriteLocallyAsync(LocalNode node, IReadOnlyList<WriteOperation> operations, ILogger logger, CancellationToken cancellationToken)
    {
        if (node.Store is not { } store)
        {
            return (Closed(node, operations[0].Key.Span), default);
        }

        var shards = operations.Select(o => store.ShardOf(o.Key.Span)).Distinct().Order().ToList();
        var admitted = new List<int>(shards.Count);
        try
        {
            foreach (var shard in shards)
            {
                if (!node.TryBeginWrite(shard))
                {
                    return (Refused(node, shard), default); // nothing is written: the whole batch goes to the right leader
                }

                admitted.Add(shard);
            }

            // The epoch is read while the shards are admitted: a write under it is the leader's of that epoch.
            var epoch = node.Topology?.Epoch ?? 0;
            await store.WriteAsync(operations, cancellationToken);

            // Each shard's last LSN now covers this write (and perhaps others' after it): waiting for it is enough.
            var written = new WrittenThrough(epoch, [.. shards.Select(s => (s, store.NextLsn(s) - 1))]);
            var committed = Stopwatch.GetTimestamp();
            foreach (var (shard, lsn) in written.Shards)
            {
                node.Replicas.Lag.Committed(shard, lsn, committed);
            }

            return (null, written);
        }
        catch (StoreArgumentException e)
        {
            // A key or value the store's limits refuse: checked before anything of the batch is written.
            return (Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadRecord", detail: e.Message), default);
        }
        catch (ShardFailedException e)
        {
            // The disk refused the write (full, or an I/O error): not acknowledged, and retryable once the shard reopens.
            // The client hears the cause without the file's path; the log has the whole exception under the id.
            var id = Grains.ClusterInternalException.NewCorrelationId();
            LogShardFailed(logger, id, node.NodeId, e.Shard, e);
            return (Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "ShardFailed",
                detail: $"node {node.NodeId}: shard {e.Shard} failed to write its log ({WithoutPath(e.InnerException)}); it takes no writes until it reopens from disk, which it retries. Acknowledged writes are intact (error {id})",
                extensions: new Dictionary<string, object?> { ["shard"] = e.Shard, ["error"] = id }), default);
        }
        finally
        {
            foreach (var shard in admitted)
            {
                node.EndWrite(shard);
            }
        }
    }

    /// <summary>
    /// Why <paramref name="shard"/> takes no writes here: another node leads it (421); or this one does, but holds no
    /// lease on it now, or has only just been made its leader and is still stopping its follower of it (503, retry).
    /// </summary>
    private static IResult Refused(LocalNode node, int shard)
    {
        if (node.LeadsWithoutLease(shard))
        {
            return NoLease(node, shard);
        }

        var topology = node.Topology;
        if (topology is not null && shard < topology.Leaders.Count && topology.Leaders[shard] == node.NodeId)
        {
            return RetryLater(node, shard, "TakingOver", $"node {node.NodeId} was made the leader of shard {shard} at epoch {topology.Epoch} and is still stopping its follower of it; retry");
        }

        return NotLeader(node, shard);
    }

    private static IResult NoLease(LocalNode node, int shard)
    {
        var renewed = node.LeaseRenewedAt == 0 ? "has not been granted one since it started" : $"was last renewed {Stopwatch.GetElapsedTime(node.LeaseRenewedAt).TotalSeconds:0.0} s ago";
        return RetryLater(node, shard, "NoLease", $"node {node.NodeId} leads shard {shard} at epoch {node.Topology?.Epoch ?? 0} but holds no lease on it: its lease {renewed}{(node.LeaseError is { } error ? $" (last renewal: {error})" : "")}; retry, or find the new leader if one is promoted");
    }

    /// <summary>503 with <c>Retry-After: 1</c>: <paramref name="shard"/> is this node's to write, but not this moment.</summary>
    private static IResult RetryLater(LocalNode node, int shard, string title, string detail) =>
        new RetryAfterResult(Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail,
            extensions: new Dictionary<string, object?> { ["shard"] = shard, ["epoch"] = node.Topology?.Epoch ?? 0 }), 1);

    private static IResult NotLeader(LocalNode node, int shard)
    {
        var topology = node.Topology;
        var leader = topology is not null && shard < topology.Leaders.Count ? topology.Leaders[shard] : null;
        return Results.Problem(statusCode: StatusCodes.Status421MisdirectedRequest, title: "NotLeader",
            detail: $"node {node.NodeId} does not take writes for shard {shard}; the leader at epoch {topology?.Epoch ?? 0} is {leader ?? "unknown"}",
            extensions: new Dictionary<string, object?> { ["shard"] = shard, ["leader"] = leader, ["epoch"] = topology?.Epoch ?? 0 });
    }

    /// <summary>
    /// The store is closed (a bootstrap is replacing it): a key whose shard another node leads is sent there (421),
    /// so clients holding an old topology find the leader; otherwise 503.
    /// </summary>
    private static IResult Closed(LocalNode node, ReadOnlySpan<byte> key)
    {
        if (node.Topology is { ShardCount: > 0 } topology && LogStore.ShardOf(key, topology.ShardCount) is var shard && topology.Leaders[shard] != node.NodeId)
        {
            return NotLeader(node, shard);
        }

        return Unavailable(node);
    }

    private static IResult Unavailable(LocalNode node) =>
        Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "StoreClosed", detail: $"node {node.NodeId} is {node.State}; its store is not open");

    /// <summary>The body, or null when it is longer than <paramref name="limit"/> (checked before reading it whole).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext http, int limit)
    {
        if (http.Request.ContentLength > limit)
        {
            return null;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        if (http.Request.ContentLength is { } declared)
        {
            // Read into one array of the declared size: no growing buffer, no copy at the end.
            var body = GC.AllocateUninitializedArray<byte>((int)declared);
            await http.Request.Body.ReadExactlyAsync(body, http.RequestAborted); // the server holds the body to its Content-Length
            return body;
        }

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        return buffer.Length > limit ? null : buffer.ToArray();
    }
}
