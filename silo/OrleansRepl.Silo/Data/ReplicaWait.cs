using System.Globalization;
using OrleansRepl.Silo.Node;

namespace OrleansRepl.Silo.Data;

/// <summary>Shards written, each through an LSN, under the epoch the write was taken in.</summary>
internal readonly record struct WrittenThrough(long Epoch, IReadOnlyList<(int Shard, long Lsn)> Shards);

/// <summary>
/// Waiting for followers to hold what this leader wrote. A write with <c>acks=N</c> is answered 204 (with
/// <c>Orepl-Replicas</c>, how many followers hold all of it) once N followers acknowledged every shard it touched,
/// or 504 when the timeout passes first, saying how many did: the write stands on the leader either way, it is not
/// rolled back. <c>POST /wait?replicas=N&amp;timeout=SECONDS</c> waits the same way for everything this node has
/// written to the shards it leads, and answers how many followers hold it (Redis's WAIT).
/// </summary>
internal static class ReplicaWait
{
    public const string ReplicasHeader = "Orepl-Replicas";

    public static async Task<IResult> AcknowledgeAsync(HttpContext http, LocalNode node, WrittenThrough written, WriteConcern concern)
    {
        if (concern.Acks == 0)
        {
            return Results.NoContent();
        }

        var (held, weakest) = await WaitAsync(node, written, concern.Acks, concern.Timeout, http.RequestAborted);
        http.Response.Headers[ReplicasHeader] = held.ToString(CultureInfo.InvariantCulture);
        if (held >= concern.Acks)
        {
            foreach (var (shard, lsn) in written.Shards)
            {
                node.NoteAcknowledged(shard, lsn); // a failover will not move the shard to a node lacking it
            }

            return Results.NoContent();
        }

        return Results.Problem(statusCode: StatusCodes.Status504GatewayTimeout, title: "ReplicationTimeout",
                detail: $"written on {node.NodeId} and on its disk (shard {weakest.Shard} through LSN {weakest.Lsn}, epoch {written.Epoch}), but {held} of the {concern.Acks} followers asked for acknowledged it within {concern.Timeout.TotalSeconds.ToString("0.0##", CultureInfo.InvariantCulture)} s; the write stands, it is not rolled back",
                extensions: new Dictionary<string, object?> { ["acknowledged"] = held, ["required"] = concern.Acks, ["shard"] = weakest.Shard, ["lsn"] = weakest.Lsn, ["epoch"] = written.Epoch });
    }

    public static async Task<IResult> WaitAsync(HttpContext http, LocalNode node, KeyValueApiOptions options)
    {
        var query = http.Request.Query;
        if (!int.TryParse(query["replicas"], NumberStyles.None, CultureInfo.InvariantCulture, out var replicas) || replicas is < 1 or > 64)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadReplicas", detail: $"replicas must be a whole number of followers, 1 to 64, got \"{query["replicas"]}\"");
        }

        if (!WriteConcern.TryReadSeconds(http, "timeout", options, out var seconds, out var badTimeout))
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "BadTimeout", detail: badTimeout);
        }

        if (node.Store is not { } store || node.Topology is not { } topology)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "StoreClosed", detail: $"node {node.NodeId} is {node.State}; it has nothing to wait for");
        }

        var led = topology.ShardsLedBy(node.NodeId);
        var written = new WrittenThrough(topology.Epoch, [.. led.Select(s => (s, store.NextLsn(s) - 1))]);
        var (held, _) = await WaitAsync(node, written, replicas, TimeSpan.FromSeconds(seconds), http.RequestAborted);
        return Results.Json(new WaitResult(node.NodeId, topology.Epoch, led.Count == 0 ? 0 : held, replicas,
            [.. written.Shards.Select(s => new ShardHeld(s.Shard, s.Lsn, node.Replicas.Count(s.Shard, written.Epoch, s.Lsn)))]));
    }

    /// <summary>Waits for <paramref name="replicas"/> followers on every shard of <paramref name="written"/> within one deadline; the fewest that hold a shard, and that shard.</summary>
    private static async Task<(int Held, (int Shard, long Lsn) Weakest)> WaitAsync(LocalNode node, WrittenThrough written, int replicas, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var held = int.MaxValue;
        var weakest = (Shard: -1, Lsn: 0L);
        foreach (var (shard, lsn) in written.Shards)
        {
            var left = deadline - DateTime.UtcNow;
            var count = left > TimeSpan.Zero
                ? await node.Replicas.WaitAsync(shard, written.Epoch, lsn, replicas, left, cancellationToken)
                : node.Replicas.Count(shard, written.Epoch, lsn);
            if (count < held)
            {
                (held, weakest) = (count, (shard, lsn));
            }
        }

        return (held == int.MaxValue ? 0 : held, weakest);
    }

    private sealed record WaitResult(string Node, long Epoch, int Replicas, int Asked, IReadOnlyList<ShardHeld> Shards);

    private sealed record ShardHeld(int Shard, long Lsn, int Replicas);
}
