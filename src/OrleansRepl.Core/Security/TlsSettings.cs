namespace OrleansRepl.Core.Security;

/// <summary>
/// How a node or client secures its connections, bound from the "Tls" section: TLS is on unless
/// <see cref="Plaintext"/> says otherwise. The node's certificate and key, and the cluster's CA bundle that every
/// peer's certificate must chain to, are PEM files: named one by one, or found as <c>ca.crt</c>, <c>node.crt</c> and
/// <c>node.key</c> in <see cref="Directory"/>. The files are read again when they change (rotation).
/// </summary>
public sealed class TlsSettings
{
    public const string Section = "Tls";

    /// <summary>The name of the CA bundle in a TLS directory.</summary>
    public const string CaFileName = "ca.crt";

    /// <summary>The name of the node's (or client's) certificate in a TLS directory.</summary>
    public const string CertificateFileName = "node.crt";

    /// <summary>The name of the node's (or client's) private key in a TLS directory.</summary>
    public const string KeyFileName = "node.key";

    /// <summary>
    /// Turns TLS off on every transport: frames, grain calls and the key-value API travel readable by anyone on the
    /// path, and an on-path relay can inject frames once the peers have authenticated. Only for a closed test network;
    /// a node running so logs a warning at start-up.
    /// </summary>
    public bool Plaintext { get; set; }

    /// <summary>A directory holding <c>ca.crt</c>, <c>node.crt</c> and <c>node.key</c>; each file may also be named on its own.</summary>
    public string Directory { get; set; } = "";

    /// <summary>PEM bundle of the CAs a peer's certificate may chain to (during a CA rotation, the old CA and the new one).</summary>
    public string CaFile { get; set; } = "";

    /// <summary>PEM certificate of this node (or client), issued by the cluster's CA; intermediates may follow it.</summary>
    public string CertificateFile { get; set; } = "";

    /// <summary>PEM private key of <see cref="CertificateFile"/>, readable by its owner only.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>How often, at most, the files are checked for a change (a rotated certificate); new connections use what was read last.</summary>
    public double ReloadCheckSeconds { get; set; } = 10;

    public string ResolvedCaFile => Resolve(CaFile, CaFileName);

    public string ResolvedCertificateFile => Resolve(CertificateFile, CertificateFileName);

    public string ResolvedKeyFile => Resolve(KeyFile, KeyFileName);

    /// <summary>Settings for the three files in <paramref name="directory"/>.</summary>
    public static TlsSettings InDirectory(string directory) => new() { Directory = directory };

    /// <summary>Every problem with these settings, each naming its key under <paramref name="prefix"/>; the files themselves are checked by <see cref="TlsIdentity.Load"/>.</summary>
    public IReadOnlyList<string> Problems(string prefix = Section)
    {
        var problems = new List<string>();
        if (Plaintext)
        {
            return problems;
        }

        foreach (var (key, value) in new[] { (nameof(CaFile), ResolvedCaFile), (nameof(CertificateFile), ResolvedCertificateFile), (nameof(KeyFile), ResolvedKeyFile) })
        {
            if (value.Length == 0)
            {
                problems.Add($"{prefix}:{key} is not set (nor {prefix}:{nameof(Directory)}): TLS is on by default and needs the cluster's CA, this node's certificate and its key; set {prefix}:{nameof(Plaintext)}=true to run without it");
            }
        }

        if (ReloadCheckSeconds is < 1 or > 86_400)
        {
            problems.Add($"{prefix}:{nameof(ReloadCheckSeconds)} must be between 1 and 86400, got {ReloadCheckSeconds}");
        }

        return problems;
    }

    private string Resolve(string file, string name) => file.Length > 0 ? file : Directory.Length > 0 ? Path.Combine(Directory, name) : "";
}
