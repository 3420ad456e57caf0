using System.CommandLine;
using OrleansRepl.Client;
using OrleansRepl.Client.Cluster;

namespace OrleansRepl.Cli.Cluster;

/// <summary>
/// What every cluster command takes: <c>--gateway URL</c> (or OREPL_GATEWAY), <c>--token-file F</c> (or
/// OREPL_TOKEN_FILE) and <c>--replica-set NAME</c> (or OREPL_REPLICA_SET, default "main").
/// </summary>
internal sealed class ClusterOptions
{
    public Option<string?> Gateway { get; } = new("--gateway") { Description = "A silo's gateway URL (default: $OREPL_GATEWAY)." };

    public Option<string?> TokenFile { get; } = new("--token-file") { Description = "File holding the gateway token (default: $OREPL_TOKEN_FILE)." };

    public Option<string?> ReplicaSet { get; } = new("--replica-set") { Description = "The replica set (default: $OREPL_REPLICA_SET, else \"main\")." };

    public void AddTo(Command command)
    {
        command.Options.Add(Gateway);
        command.Options.Add(TokenFile);
        command.Options.Add(ReplicaSet);
    }

    /// <summary>A client for the parsed options; a missing or unusable setting is an error naming the option and its variable.</summary>
    public ClusterClient Connect(ParseResult parse)
    {
        var gateway = parse.GetValue(Gateway) ?? Environment.GetEnvironmentVariable("OREPL_GATEWAY")
            ?? throw new ArgumentException("no gateway: pass --gateway URL or set OREPL_GATEWAY");
        var tokenFile = parse.GetValue(TokenFile) ?? Environment.GetEnvironmentVariable("OREPL_TOKEN_FILE")
            ?? throw new ArgumentException("no gateway token: pass --token-file F or set OREPL_TOKEN_FILE");
        if (!Uri.TryCreate(gateway.EndsWith('/') ? gateway : gateway + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--gateway \"{gateway}\" is not an http(s) URL");
        }

        string token;
        try
        {
            token = File.ReadAllText(tokenFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot read the gateway token file {tokenFile}: {e.Message}", e);
        }

        var replicaSet = parse.GetValue(ReplicaSet) ?? Environment.GetEnvironmentVariable("OREPL_REPLICA_SET") ?? "main";
        return new ClusterClient(new GrainClientOptions { Gateways = [uri], Token = token }, replicaSet);
    }

    /// <summary>Runs a cluster command: failures the cluster reports become one line on stderr and exit code 1.</summary>
    public static async Task<int> RunAsync(string command, TextWriter error, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is GrainCallException or HttpRequestException or NotLeaderException or InvalidOperationException or ArgumentException or IOException or TaskCanceledException)
        {
            await error.WriteLineAsync($"orepl {command}: {e.Message}");
            return 1;
        }
    }
}
