using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Silo.Hosting;
using OrleansRepl.Silo.Node;

namespace OrleansRepl.Silo.Pages;

/// <summary>
/// The replication page beside the Orleans Dashboard, behind the same credentials: <c>/replication</c> (one HTML
/// page, its script and charts inline) and <c>/replication/state</c>, the replica set read whole from its grains
/// (<see cref="ClusterStatusReader"/>) each time the page asks. Nothing runs while no one has the page open: the
/// page asks once a second, and keeps the history its charts draw in the browser.
/// </summary>
public static class ReplicationPage
{
    public const string Path = "/replication";
    public const string StatePath = "/replication/state";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public static void MapReplicationPage(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var html = Html();
        app.MapGet(Path, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return Results.Content(html, "text/html; charset=utf-8");
        }).RequireAuthorization(DashboardAuthentication.Policy);
        app.MapGet(StatePath, async (HttpContext context, IGrainFactory grains, LocalNode node, IOptions<NodeOptions> options, CancellationToken cancellationToken) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            var status = await new ClusterStatusReader(grains, options.Value.ReplicaSet).ReadAsync(cancellationToken);
            return Results.Json(new ReplicationState(node.NodeId, DateTimeOffset.UtcNow, status), Json);
        }).RequireAuthorization(DashboardAuthentication.Policy);
    }

    private static string Html()
    {
        using var stream = typeof(ReplicationPage).Assembly.GetManifestResourceStream("replication.html")
            ?? throw new InvalidOperationException("the replication page (replication.html) is not embedded in the silo");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>What the page reads: which node answered, when, and the replica set.</summary>
    private sealed record ReplicationState(string AnsweredBy, DateTimeOffset At, ClusterStatus Cluster);
}
