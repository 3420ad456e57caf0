using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// <c>/health/live</c> (the process answers HTTP) and <c>/health/ready</c> (<see cref="NodeReadiness"/>) for
/// orchestrators: 200 or 503, with one line of plain text saying why. They carry no credentials (a probe seldom
/// can) and tell nothing beyond readiness and its reasons.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";
    private const string ReadyTag = "ready";

    public static IServiceCollection AddNodeHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<NodeReadiness>("node", tags: [ReadyTag]);

        // A probe asks every few seconds: a node not ready yet (starting, not yet added) would log an error each
        // time. The reason is in the answer; the log keeps only what is Critical.
        services.AddLogging(logging => logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.Critical));
        return services;
    }

    public static void MapNodeHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync });
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var reasons = report.Entries.Values.Select(e => e.Description).Where(d => !string.IsNullOrEmpty(d));
        var line = report.Entries.Count == 0 ? "live" : string.Join("; ", reasons);
        return context.Response.WriteAsync($"{report.Status}: {line}\n");
    }
}
