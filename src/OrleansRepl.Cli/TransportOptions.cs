using System.CommandLine;
using OrleansRepl.Core.Security;

namespace OrleansRepl.Cli;

/// <summary>
/// How a command secures its connections: <c>--tls DIR</c> (a TLS directory: <c>ca.crt</c>, <c>node.crt</c>,
/// <c>node.key</c>, the certificate from the cluster's CA; default <c>$OREPL_TLS_DIR</c>), or <c>--plaintext</c> for a
/// cluster that runs without TLS (default <c>$OREPL_PLAINTEXT=1</c>). TLS is the default, so one of them must be given.
/// </summary>
internal sealed class TransportOptions
{
    public Option<string?> Tls { get; } = new("--tls") { Description = "TLS directory with ca.crt, node.crt and node.key, the certificate from the cluster's CA (default: $OREPL_TLS_DIR)." };

    public Option<bool> Plaintext { get; } = new("--plaintext") { Description = "Connect without TLS, to a cluster that runs with Tls:Plaintext=true (default: $OREPL_PLAINTEXT=1)." };

    public void AddTo(Command command)
    {
        command.Options.Add(Tls);
        command.Options.Add(Plaintext);
    }

    /// <summary>
    /// The TLS identity to connect (or serve, with <paramref name="serves"/>) with; null for plaintext. Neither or
    /// both given, or a directory whose files do not check out, is an error naming the option and the file.
    /// </summary>
    public TlsIdentity? Identity(ParseResult parse, bool serves)
    {
        var directory = parse.GetValue(Tls) ?? Environment.GetEnvironmentVariable("OREPL_TLS_DIR");
        var plaintext = parse.GetValue(Plaintext) || Environment.GetEnvironmentVariable("OREPL_PLAINTEXT") == "1";
        if (directory is null == !plaintext)
        {
            throw new ArgumentException(plaintext
                ? "both --tls (or $OREPL_TLS_DIR) and --plaintext (or $OREPL_PLAINTEXT) were given; choose one"
                : "TLS is on by default: give --tls DIR (ca.crt, node.crt and node.key from the cluster's CA; or $OREPL_TLS_DIR), or --plaintext for a cluster that runs without TLS");
        }

        if (directory is null)
        {
            return null;
        }

        try
        {
            return TlsIdentity.Load(TlsSettings.InDirectory(directory), serves);
        }
        catch (TlsConfigurationException e)
        {
            throw new ArgumentException($"--tls {directory}: {e.Message}", e);
        }
    }
}
