namespace OrleansRepl.Hosting.Silo;

/// <summary>A silo's settings, bound from the "Silo" configuration section (appsettings, environment, command line).</summary>
public sealed class SiloOptions
{
    public const string Section = "Silo";

    /// <summary>The node this silo serves; grain keys "{NodeId}/…" live here.</summary>
    public string NodeId { get; set; } = "";

    /// <summary>This process's id in the membership table; a new one per start unless set.</summary>
    public string SiloId { get; set; } = "";

    /// <summary>The address other silos and clients reach this silo at.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The gateway's port; 0 picks a free one at start-up.</summary>
    public int GatewayPort { get; set; }

    public int ReplicationPort { get; set; }

    /// <summary>A file holding the gateway's bearer token (preferred), or the token itself.</summary>
    public string GatewayTokenFile { get; set; } = "";

    public string GatewayToken { get; set; } = "";

    /// <summary>"sqlite" (the embedded default) or "postgres".</summary>
    public string Storage { get; set; } = "sqlite";

    public string SqlitePath { get; set; } = "data/cluster.db";

    public string PostgresConnectionString { get; set; } = "";

    /// <summary>Where grains whose key names no node live.</summary>
    public string HomeNode { get; set; } = "";

    public double IdleAgeSeconds { get; set; } = 120;

    public double HeartbeatIntervalSeconds { get; set; } = 2;

    public double DeadAfterSeconds { get; set; } = 10;

    /// <summary>The token, read from <see cref="GatewayTokenFile"/> when set.</summary>
    public string ResolveToken() => GatewayTokenFile.Length > 0 ? File.ReadAllText(GatewayTokenFile).Trim() : GatewayToken;
}
