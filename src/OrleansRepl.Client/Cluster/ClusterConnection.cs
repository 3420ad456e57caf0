using System.Net;

namespace OrleansRepl.Client.Cluster;

/// <summary>
/// How a client reaches a cluster: the Orleans cluster id, where to find its gateways (a fixed list, the machine's
/// shared SQLite membership file, or the PostgreSQL membership table), the key-value API's token, the replica set,
/// and the client's TLS identity. Exactly one way to find the gateways must be given, and TLS is on unless
/// <see cref="Plaintext"/> says otherwise.
/// </summary>
public sealed record ClusterConnection
{
    /// <summary>The Orleans cluster and service id (the silos' <c>Replication:Cluster</c>).</summary>
    public string Cluster { get; init; } = "orepl";

    public IReadOnlyList<IPEndPoint> Gateways { get; init; } = [];

    public string? SqliteMembershipFile { get; init; }

    public string? PostgresConnectionString { get; init; }

    /// <summary>The bearer token of the nodes' key-value API.</summary>
    public required string Token { get; init; }

    public string ReplicaSet { get; init; } = "main";

    /// <summary>
    /// The client's certificate from the cluster's CA, presented to the gateways (which require one) and used to
    /// check the nodes' certificates, there and on the key-value API's HTTPS.
    /// </summary>
    public Core.Security.TlsIdentity? Tls { get; init; }

    /// <summary>Connects without TLS, to a cluster whose silos run with <c>Tls:Plaintext=true</c>.</summary>
    public bool Plaintext { get; init; }

    /// <summary>How long a grain call may take before it fails.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public void ThrowIfInvalid()
    {
        var problems = new List<string>();
        var ways = (Gateways.Count > 0 ? 1 : 0) + (SqliteMembershipFile is null ? 0 : 1) + (PostgresConnectionString is null ? 0 : 1);
        if (ways != 1)
        {
            problems.Add($"give exactly one way to find the gateways (a gateway list, a SQLite membership file or a PostgreSQL connection), got {ways}");
        }

        if (string.IsNullOrWhiteSpace(Cluster))
        {
            problems.Add("the cluster id is empty");
        }

        if (string.IsNullOrEmpty(Token))
        {
            problems.Add("the key-value API token is empty");
        }

        if (string.IsNullOrWhiteSpace(ReplicaSet))
        {
            problems.Add("the replica set name is empty");
        }

        if (Tls is null && !Plaintext)
        {
            problems.Add("no TLS identity: TLS is on by default, so give the client's TLS directory (a certificate from the cluster's CA), or choose plaintext explicitly for a cluster that runs without TLS");
        }

        if (Tls is not null && Plaintext)
        {
            problems.Add("both a TLS identity and plaintext were given; choose one");
        }

        if (CallTimeout <= TimeSpan.Zero)
        {
            problems.Add($"the call timeout must be positive, got {CallTimeout}");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"invalid cluster connection: {string.Join("; ", problems)}");
        }
    }
}
