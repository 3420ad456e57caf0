using System.Text;
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
/// <item><c>PUT /kv/{key}</c> with the value as the body; <c>GET /kv/{key}</c>; <c>DELETE /kv/{key}</c>.</item>
/// <item><c>POST /kv</c>: a batch, the body a sequence of <c>u32 key length | key | u32 value length | value</c>
/// (little-endian), every key in a shard this node leads; checked whole before any of it is written.</item>
/// </list>
/// </summary>
public static class KeyValueEndpoints
{
    /// <summary>The largest batch body accepted, checked before it is read.</summary>
    public const long MaxBatchBytes = 64L << 20;

    public static IEndpointRouteBuilder MapKeyValue(this IEndpointRouteBuilder endpoints, string token)
    {
        var kv = endpoints.MapGroup("/kv").RequireApiToken(token);
        kv.MapPut("/{key}", async (string key, HttpContext http, LocalNode node) =>
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            var value = await ReadBodyAsync(http, node.StoreOptions.MaxValueBytes);
            return value is null
                ? Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "ValueTooLarge", detail: $"the value of {key} exceeds {node.StoreOptions.MaxValueBytes} bytes")
                : await WriteAsync(node, [WriteOperation.Put(bytes, value)], http.RequestAborted);
        });
        kv.MapDelete("/{key}", (string key, HttpContext http, LocalNode node) =>
            WriteAsync(node, [WriteOperation.Delete(Encoding.UTF8.GetBytes(key))], http.RequestAborted));
        kv.MapGet("/{key}", (string key, bool? local, LocalNode node) =>
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            if (node.Store is not { } store)
            {
                return local == true ? Unavailable(node) : Closed(node, bytes);
            }

            var shard = store.ShardOf(bytes);
            if (local != true && !node.IsWritable(shard))
            {
                return NotLeader(node, shard);
            }

            return store.Get(bytes) is { } value ? Results.Bytes(value) : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "NotFound", detail: $"no value for {key} on {node.NodeId}");
        });
        kv.MapPost("/", async (HttpContext http, LocalNode node) =>
        {
            if (http.Request.ContentLength is not { } length || length > MaxBatchBytes)
            {
                return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "BatchTooLarge", detail: $"a batch needs a Content-Length of at most {MaxBatchBytes} bytes, got {http.Request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}");
            }

            var body = await ReadBodyAsync(http, (int)length);
            if (body is null || KeyValueBatch.Parse(body, node.StoreOptions) is not { } operations)
            {
                return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadBatch", detail: KeyValueBatch.Explain(body, node.StoreOptions));
            }

            return await WriteAsync(node, operations, http.RequestAborted);
        });
        return endpoints;
    }

    private static async Task<IResult> WriteAsync(LocalNode node, IReadOnlyList<WriteOperation> operations, CancellationToken cancellationToken)
    {
        if (node.Store is not { } store)
        {
            return Closed(node, operations[0].Key.Span);
        }

        var shards = operations.Select(o => store.ShardOf(o.Key.Span)).Distinct().Order().ToList();
        var admitted = new List<int>(shards.Count);
        try
        {
            foreach (var shard in shards)
            {
                if (!node.TryBeginWrite(shard))
                {
                    return NotLeader(node, shard); // nothing is written: the whole batch goes to the right leader
                }

                admitted.Add(shard);
            }

            await store.WriteAsync(operations, cancellationToken);
            return Results.NoContent();
        }
        catch (StoreArgumentException e)
        {
            // A key or value the store's limits refuse: checked before anything of the batch is written.
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadRecord", detail: e.Message);
        }
        catch (ShardFailedException e)
        {
            // The disk refused the write (full, or an I/O error): not acknowledged, and retryable once the shard reopens.
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "ShardFailed", detail: $"node {node.NodeId}: {e.Message}",
                extensions: new Dictionary<string, object?> { ["shard"] = e.Shard });
        }
        finally
        {
            foreach (var shard in admitted)
            {
                node.EndWrite(shard);
            }
        }
    }

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

        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        return buffer.Length > limit ? null : buffer.ToArray();
    }
}
