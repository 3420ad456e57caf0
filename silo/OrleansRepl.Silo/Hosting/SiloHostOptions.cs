using OrleansRepl.Core.Protocol;
namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// How this process runs as an Orleans silo, bound from the "Silo" section: which node it is, where it listens,
/// and where the cluster's membership and grain state live. Ports left at 0 are chosen free at start-up.
/// </summary>
public sealed class SiloHostOptions
{
    public const string Section = "Silo";

    /// <summary>The node this silo serves: the Orleans silo name, and the node of every grain keyed <c>{NodeId}/…</c>.</summary>
    public string NodeId { get; set; } = "";

    /// <summary>
    /// The address every port of this silo binds to and advertises. With TLS on (the default) every port
    /// authenticates its peers by the cluster's CA, so it may be any address; with <c>Tls:Plaintext=true</c> it must be
    /// a loopback address, so that nothing unauthenticated is reachable from other machines.
    /// </summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Orleans silo-to-silo port, as the other silos reach it (the membership table lists it).</summary>
    public int SiloPort { get; set; }

    /// <summary>
    /// The port the silo-to-silo listener binds, when something between the silos forwards <see cref="SiloPort"/> to
    /// another one (a container's port mapping, a proxy); 0 binds <see cref="SiloPort"/> itself.
    /// </summary>
    public int SiloListenPort { get; set; }

    /// <summary>Orleans client gateway port (<c>orepl</c> and <c>ClusterClient</c> connect here).</summary>
    public int GatewayPort { get; set; }

    /// <summary>HTTP port of the key-value API (<c>/kv</c>) and the Orleans Dashboard (<c>/dashboard</c>).</summary>
    public int HttpPort { get; set; }

    /// <summary>The node's replication port (log streaming, anti-entropy, snapshots); the topology names the node by it.</summary>
    public int ReplicationPort { get; set; }

    /// <summary>A file holding the API token (preferred), or the token itself: the key-value API's bearer token and the dashboard's password.</summary>
    public string TokenFile { get; set; } = "";

    public string Token { get; set; } = "";

    /// <summary>Whether the silo serves the Orleans Dashboard at <c>/dashboard/</c> (it profiles every grain call while on).</summary>
    public bool Dashboard { get; set; } = true;

    /// <summary>
    /// How often the dashboard samples the silo's counters (Orleans' default is every second, which an idle silo pays
    /// for whether or not anyone looks); the grain-call profiler it turns on stops this long after the last view too.
    /// </summary>
    public int DashboardSampleSeconds { get; set; } = 10;

    /// <summary>The dashboard's Basic-authentication user name; its password is the API token.</summary>
    public string DashboardUser { get; set; } = "orepl";

    /// <summary>"sqlite" (the embedded default) or "postgres".</summary>
    public string Storage { get; set; } = "sqlite";

    /// <summary>
    /// SQLite only: the file the silos of this machine share for membership and for the state of grains any silo
    /// may host (the replica set). Each node's own grains keep their state in <c>grains.db</c> in its data directory.
    /// </summary>
    public string SqlitePath { get; set; } = "data/cluster.db";

    /// <summary>PostgreSQL only: membership and every grain's state.</summary>
    public string PostgresConnectionString { get; set; } = "";

    /// <summary>How long a probe of another silo may take; three missed probes suspect it, and the cluster votes it dead.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 5;

    /// <summary>
    /// How long a graceful stop may take. The workers stop first (every cursor saved through its grain); then the
    /// Orleans silo leaves, and a leave that waits on silos that are stopping at the same moment is cut off here.
    /// </summary>
    public double ShutdownSeconds { get; set; } = 15;

    /// <summary>The token, read from <see cref="TokenFile"/> when set.</summary>
    public string ResolveToken() => TokenFile.Length > 0 ? System.Text.Encoding.UTF8.GetString(SecretFile.Read(TokenFile, "API token")).Trim() : Token;

    /// <summary>The connection string with any password replaced, for logs and errors.</summary>
    public string RedactedPostgres() =>
        string.Join(';', PostgresConnectionString.Split(';').Select(part => part.TrimStart().StartsWith("Password", StringComparison.OrdinalIgnoreCase) ? "Password=***" : part));
}
