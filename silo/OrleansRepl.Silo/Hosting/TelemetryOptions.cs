namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// Where the silo's metrics go, bound from the "Telemetry" section: a Prometheus scrape endpoint on the silo's
/// HTTPS port (<c>/metrics</c>, behind the dashboard's credentials), and OTLP pushed to a collector when an
/// endpoint is set. Checked at start-up (<see cref="Problems"/>).
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Serve <c>/metrics</c> in the Prometheus text format.</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>An OTLP collector's base address (<c>http://collector:4318</c> for HTTP, <c>:4317</c> for gRPC); empty: no push.</summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>The OTLP protocol: <c>http/protobuf</c> or <c>grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = "http/protobuf";

    /// <summary>How often metrics are pushed over OTLP.</summary>
    public double OtlpExportSeconds { get; set; } = 15;

    /// <summary>Also export Orleans' own meter (<c>Microsoft.Orleans</c>: messaging, grain calls, membership); off by default, as its instruments then record on every message.</summary>
    public bool OrleansMeters { get; set; }

    /// <summary>Every problem with these settings, each naming its key; empty when they are sound.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (OtlpEndpoint.Length > 0 && (!Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            problems.Add($"{Section}:{nameof(OtlpEndpoint)} must be an absolute http or https address, as http://collector:4318, got \"{OtlpEndpoint}\"");
        }

        if (OtlpProtocol is not ("http/protobuf" or "grpc"))
        {
            problems.Add($"{Section}:{nameof(OtlpProtocol)} must be http/protobuf or grpc, got \"{OtlpProtocol}\"");
        }

        if (!(OtlpExportSeconds is >= 1 and <= 3600))
        {
            problems.Add($"{Section}:{nameof(OtlpExportSeconds)} must be 1..3600, got {OtlpExportSeconds}");
        }

        return problems;
    }
}
