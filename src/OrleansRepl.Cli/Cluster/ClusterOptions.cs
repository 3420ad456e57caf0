using System.CommandLine;
using System.Net;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Cli.Cluster;

/// <summary>
/// What every cluster command takes: where the cluster's Orleans gateways are (<c>--gateway HOST:PORT,…</c>, or the
/// membership in <c>--membership-file F</c> for the embedded SQLite default, or in PostgreSQL through
/// <c>--postgres-file F</c>), <c>--cluster NAME</c>, the key-value API's <c>--token-file F</c>, and
/// <c>--replica-set NAME</c>, and <c>--tls DIR</c> or <c>--plaintext</c> (<see cref="TransportOptions"/>). Each falls
/// back to an environment variable, named in its description.
/// </summary>
internal sealed class ClusterOptions
{
    public Option<string?> Gateway { get; } = new("--gateway") { Description = "Orleans gateways, HOST:PORT[,HOST:PORT...] (default: $OREPL_GATEWAY)." };

    public Option<string?> MembershipFile { get; } = new("--membership-file") { Description = "Find the gateways in the SQLite file the silos share (default: $OREPL_MEMBERSHIP_FILE)." };

    public Option<string?> PostgresFile { get; } = new("--postgres-file") { Description = "Find the gateways in PostgreSQL; the file holds the connection string (default: $OREPL_POSTGRES_FILE)." };

    public Option<string?> Cluster { get; } = new("--cluster") { Description = "The Orleans cluster id (default: $OREPL_CLUSTER, else \"orepl\")." };

    public Option<string?> TokenFile { get; } = new("--token-file") { Description = "File holding the key-value API token (default: $OREPL_TOKEN_FILE)." };

    public Option<string?> ReplicaSet { get; } = new("--replica-set") { Description = "The replica set (default: $OREPL_REPLICA_SET, else \"main\")." };

    public TransportOptions Transport { get; } = new();

    public void AddTo(Command command)
    {
        foreach (var option in (Option[])[Gateway, MembershipFile, PostgresFile, Cluster, TokenFile, ReplicaSet])
        {
            command.Options.Add(option);
        }

        Transport.AddTo(command);
    }

    /// <summary>A connected client for the parsed options; a missing or unusable setting is an error naming the option and its variable.</summary>
    public Task<ClusterClient> ConnectAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var gateway = parse.GetValue(Gateway) ?? Environment.GetEnvironmentVariable("OREPL_GATEWAY");
        var membership = parse.GetValue(MembershipFile) ?? Environment.GetEnvironmentVariable("OREPL_MEMBERSHIP_FILE");
        var postgres = parse.GetValue(PostgresFile) ?? Environment.GetEnvironmentVariable("OREPL_POSTGRES_FILE");
        if ((gateway is null ? 0 : 1) + (membership is null ? 0 : 1) + (postgres is null ? 0 : 1) != 1)
        {
            throw new ArgumentException("say where the cluster is with exactly one of --gateway HOST:PORT ($OREPL_GATEWAY), --membership-file F ($OREPL_MEMBERSHIP_FILE) or --postgres-file F ($OREPL_POSTGRES_FILE)");
        }

        if (membership is not null && !File.Exists(membership))
        {
            throw new ArgumentException($"--membership-file {membership} does not exist");
        }

        var tls = Transport.Identity(parse, serves: false);
        var tokenFile = parse.GetValue(TokenFile) ?? Environment.GetEnvironmentVariable("OREPL_TOKEN_FILE")
            ?? throw new ArgumentException("no API token: pass --token-file F or set OREPL_TOKEN_FILE");
        return ClusterClient.ConnectAsync(new ClusterConnection
        {
            Cluster = parse.GetValue(Cluster) ?? Environment.GetEnvironmentVariable("OREPL_CLUSTER") ?? "orepl",
            Gateways = gateway is null ? [] : [.. gateway.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseGateway)],
            SqliteMembershipFile = membership is null ? null : Path.GetFullPath(membership),
            PostgresConnectionString = postgres is null ? null : ReadSecret(postgres, "--postgres-file", SecretFile.ReadPrivate),
            Token = ReadSecret(tokenFile, "--token-file", SecretFile.Read),
            ReplicaSet = parse.GetValue(ReplicaSet) ?? Environment.GetEnvironmentVariable("OREPL_REPLICA_SET") ?? "main",
            Tls = tls,
            Plaintext = tls is null,
        }, cancellationToken);
    }

    /// <summary>Runs a cluster command: failures the cluster reports become one line on stderr and exit code 1.</summary>
    public static async Task<int> RunAsync(string command, TextWriter error, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is ClusterUnavailableException or NotLeaderException or ReplicationTimeoutException or LeaderUnreachableException or ArgumentException or IOException || ClusterClient.IsUnreachable(e))
        {
            await error.WriteLineAsync($"orepl {command}: {e.Message}");
            return 1;
        }
    }

    private static IPEndPoint ParseGateway(string text) =>
        IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port > 0
            ? endPoint
            : throw new ArgumentException($"--gateway \"{text}\" is not IP:PORT");

    private static string ReadSecret(string file, string option, Func<string, string, byte[]> read)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(read(file, option)).Trim();
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"cannot read {option} {file}: {e.Message}", e);
        }
    }
}
