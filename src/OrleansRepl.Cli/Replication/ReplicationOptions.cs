using System.CommandLine;
using System.Net;
using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Cli.Replication;

/// <summary>Options the feed, follow and sync commands share, and turning them into credentials.</summary>
internal static class ReplicationOptions
{
    public static Option<string> SecretFile() => new("--secret-file") { Description = "File holding the cluster secret (at least 32 bytes).", Required = true };

    public static Option<string> Cluster() => new("--cluster") { Description = "Cluster id.", DefaultValueFactory = _ => "orepl" };

    public static Option<string> Node(string fallback) => new("--node") { Description = "This node's id.", DefaultValueFactory = _ => fallback };

    /// <summary>The node's credentials: its cluster, id and secret, and TLS as <paramref name="transport"/> says (a feeder's certificate must also serve).</summary>
    public static NodeCredentials Credentials(ParseResult parse, Option<string> cluster, Option<string> node, Option<string> secretFile, TransportOptions transport, bool serves = false) =>
        new(parse.GetValue(cluster)!, parse.GetValue(node)!, ClusterSecret.Load(parse.GetValue(secretFile)!)) { Tls = transport.Identity(parse, serves) };

    /// <summary>
    /// Parses IP:PORT with a numeric IP (a name would resolve unpredictably on a test network). Port 0 (any
    /// free port, printed once bound) only where <paramref name="anyPort"/> allows it.
    /// </summary>
    public static IPEndPoint EndPoint(string text, string option, bool anyPort = false) =>
        IPEndPoint.TryParse(text, out var endPoint) && (endPoint.Port != 0 || anyPort)
            ? endPoint
            : throw new ArgumentException($"{option} takes an IP address and a port{(anyPort ? " (0 for any free port)" : "")}, e.g. 127.0.0.1:7400; got \"{text}\"");

    public static async Task<int> RunAsync(string command, TextWriter error, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException or Core.Storage.StorageException or System.Net.Sockets.SocketException or ProtocolException)
        {
            await error.WriteLineAsync($"orepl {command}: {e.Message}");
            return 1;
        }
    }
}
