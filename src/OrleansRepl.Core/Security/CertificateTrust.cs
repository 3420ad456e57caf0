using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace OrleansRepl.Core.Security;

/// <summary>Whether a certificate chains to one of the cluster's CAs (and no other root) for a given use.</summary>
internal static class CertificateTrust
{
    public static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    public static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>
    /// Null when <paramref name="certificate"/> chains to one of <paramref name="authorities"/> through
    /// <paramref name="intermediates"/> and allows <paramref name="usage"/> (when one is asked for); otherwise why not. The system's trusted
    /// roots play no part: only the cluster's CA vouches for a node. Revocation is not checked (no CRL or OCSP is
    /// reachable on a cluster's network); a compromised certificate is retired by rotating the CA.
    /// </summary>
    public static string? Check(X509Certificate2 certificate, X509Certificate2Collection authorities, X509Certificate2Collection? intermediates, Oid? usage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (usage is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(usage);
        }

        if (intermediates is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        }

        if (chain.Build(certificate))
        {
            return null;
        }

        var reasons = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError)
            .Select(s => $"{s.Status}: {s.StatusInformation.Trim()}").Distinct().ToList();
        return $"{certificate.Subject} (issued by {certificate.Issuer}) fails the chain to the cluster's CA {(usage is null ? "" : $" for {usage.FriendlyName}")}: {(reasons.Count > 0 ? string.Join("; ", reasons) : "no chain")}";
    }
}
