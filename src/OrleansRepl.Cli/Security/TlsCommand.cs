using System.CommandLine;
using OrleansRepl.Core.Security;

namespace OrleansRepl.Cli.Security;

/// <summary>
/// <c>orepl tls create --dir D --names n1,n2,client</c>: a cluster CA in <c>D/ca</c> (made on first use, reused
/// after) and a TLS directory per name in <c>D/NAME</c> (<c>ca.crt</c>, <c>node.crt</c>, <c>node.key</c>), for a
/// cluster without a CA of its own (<c>deploy/local-cluster.sh</c> runs it). Keys are readable by their owner only
/// from creation; a name that already has a directory is refused, never overwritten.
/// </summary>
internal static class TlsCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "Where the CA (ca/) and each name's TLS directory go.", Required = true };
        var names = new Option<string>("--names") { Description = "Comma-separated names to issue certificates for (node ids, and e.g. client).", Required = true };
        var days = new Option<int>("--days") { Description = "How long new certificates (and a new CA) last.", DefaultValueFactory = _ => 365 };
        days.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 3650)
            {
                r.AddError($"--days must be 1..3650, got {r.GetValueOrDefault<int>()}");
            }
        });
        var create = new Command("create", "Make a cluster CA (or reuse the one in DIR/ca) and issue a TLS directory per name.") { directory, names, days };
        create.SetAction(parse => Run(parse.GetValue(directory)!, parse.GetValue(names)!, parse.GetValue(days), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return new Command("tls", "Certificates for a cluster that has no CA of its own.") { create };
    }

    private static int Run(string directory, string names, int days, TextWriter output, TextWriter error)
    {
        var lifetime = TimeSpan.FromDays(days);
        var list = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var bad = list.FirstOrDefault(n => n is "ca" or "." or ".." || n.Length > 64 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'));
        if (list.Length == 0 || bad is not null)
        {
            error.WriteLine($"orepl tls create: --names must list names of 1-64 characters of [A-Za-z0-9._-] (not \"ca\"), got \"{bad ?? names}\"");
            return 1;
        }

        var existing = list.FirstOrDefault(n => Path.Exists(Path.Combine(directory, n)));
        if (existing is not null)
        {
            error.WriteLine($"orepl tls create: {Path.Combine(directory, existing)} already exists; a TLS directory is never overwritten (remove it to issue a new one)");
            return 1;
        }

        try
        {
            var authorityDirectory = Path.Combine(directory, "ca");
            using var authority = File.Exists(Path.Combine(authorityDirectory, ClusterCertificateAuthority.KeyFileName))
                ? ClusterCertificateAuthority.Load(authorityDirectory)
                : Created(authorityDirectory, lifetime, output);
            foreach (var name in list)
            {
                var settings = authority.Issue(name, Path.Combine(directory, name), lifetime);
                output.WriteLine($"issued {name}: {settings.Directory} (until {authority.Certificate.NotAfter.ToUniversalTime():u} at the latest)");
            }

            return 0;
        }
        catch (Exception e) when (e is TlsConfigurationException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"orepl tls create: {e.Message}");
            return 1;
        }
    }

    private static ClusterCertificateAuthority Created(string directory, TimeSpan lifetime, TextWriter output)
    {
        var authority = ClusterCertificateAuthority.Create($"orepl cluster CA {Environment.MachineName}", lifetime);
        authority.Save(directory);
        output.WriteLine($"created a cluster CA in {directory} (its key, ca.key, signs every node's certificate: keep it off the nodes)");
        return authority;
    }
}
