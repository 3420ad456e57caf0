using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OrleansRepl.Core.Replication;
using OrleansRepl.Silo.Node;

namespace OrleansRepl.Silo.Hosting;

/// <summary>The silo's metrics through OpenTelemetry: the project's meters, scraped at <c>/metrics</c> and pushed over OTLP as <see cref="TelemetryOptions"/> say.</summary>
public static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddNodeTelemetry(this IServiceCollection services, TelemetryOptions telemetry, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(telemetry);
        services.AddSingleton<NodeMetrics>();
        if (!telemetry.Prometheus && telemetry.OtlpEndpoint.Length == 0)
        {
            return services; // nothing listens: the instruments cost nothing
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orepl-silo", serviceInstanceId: nodeId))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(ReplicationMeter.Name, NodeMetrics.MeterName);
                if (telemetry.OrleansMeters)
                {
                    metrics.AddMeter("Microsoft.Orleans");
                }

                if (telemetry.Prometheus)
                {
                    metrics.AddPrometheusExporter();
                }

                if (telemetry.OtlpEndpoint.Length > 0)
                {
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        exporter.Protocol = telemetry.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
                        var root = new Uri(telemetry.OtlpEndpoint);
                        exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.Grpc ? root : new Uri(root, "v1/metrics");
                        reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)(telemetry.OtlpExportSeconds * 1000);
                    });
                }
            });
        return services;
    }

    /// <summary>Maps <c>/metrics</c>, when served, behind the dashboard's Basic authentication.</summary>
    public static void MapNodeMetrics(this WebApplication app, TelemetryOptions telemetry)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(telemetry);
        app.Services.GetRequiredService<NodeMetrics>(); // its instruments exist from the start
        if (telemetry.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(DashboardAuthentication.Policy);
        }
    }
}
