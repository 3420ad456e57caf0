using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Core.Security;

/// <summary>
/// A small CA for a cluster that has none of its own (the demo, <c>deploy/local-cluster.sh</c>, tests): an ECDSA
/// P-256 root, and node certificates it issues for both server and client authentication, each written as a TLS
/// directory (<c>ca.crt</c>, <c>node.crt</c>, <c>node.key</c>, the key readable by its owner only from creation).
/// A production cluster may use any CA: the nodes only need the three files.
/// </summary>
public sealed class ClusterCertificateAuthority : IDisposable
{
    /// <summary>The CA's own key in a CA directory; the CA's certificate is <see cref="TlsSettings.CaFileName"/> beside it.</summary>
    public const string KeyFileName = "ca.key";

    private readonly X509Certificate2 _authority;
    private readonly ECDsa _key;

    private ClusterCertificateAuthority(X509Certificate2 authority, ECDsa key)
    {
        _authority = authority;
        _key = key;
    }

    public X509Certificate2 Certificate => _authority;

    /// <summary>A new CA named <paramref name="name"/>, valid for <paramref name="lifetime"/>.</summary>
    public static ClusterCertificateAuthority Create(string name, TimeSpan lifetime)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}, O=OrleansRepl"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return new ClusterCertificateAuthority(request.CreateSelfSigned(now.AddMinutes(-5), now.Add(lifetime)), key);
    }

    /// <summary>The CA kept in <paramref name="directory"/> by <see cref="Save"/>.</summary>
    public static ClusterCertificateAuthority Load(string directory)
    {
        var certificateFile = Path.Combine(directory, TlsSettings.CaFileName);
        var keyFile = Path.Combine(directory, KeyFileName);
        try
        {
            var key = ECDsa.Create();
            key.ImportFromPem(System.Text.Encoding.ASCII.GetString(SecretFile.ReadPrivate(keyFile, "CA private key")));
            return new ClusterCertificateAuthority(X509CertificateLoader.LoadCertificateFromFile(certificateFile), key);
        }
        catch (Exception e) when (e is CryptographicException or IOException or InvalidOperationException)
        {
            throw new TlsConfigurationException($"cannot read the CA in {directory} ({TlsSettings.CaFileName}, {KeyFileName}): {e.Message}", e);
        }
    }

    /// <summary>Writes the CA's certificate and key into <paramref name="directory"/>, which is created readable by its owner only; existing files are refused.</summary>
    public void Save(string directory)
    {
        CreatePrivateDirectory(directory);
        WritePublic(Path.Combine(directory, TlsSettings.CaFileName), _authority.ExportCertificatePem());
        SecretFile.Create(Path.Combine(directory, KeyFileName), System.Text.Encoding.ASCII.GetBytes(_key.ExportPkcs8PrivateKeyPem()));
    }

    /// <summary>
    /// Issues a certificate for <paramref name="name"/> (its common name; also a DNS name, with <c>localhost</c>,
    /// 127.0.0.1 and ::1 as alternative names) valid for <paramref name="lifetime"/>, and writes it as a TLS directory
    /// <paramref name="directory"/> with this CA's certificate as <c>ca.crt</c>. Existing files are refused.
    /// </summary>
    public TlsSettings Issue(string name, string directory, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}, O=OrleansRepl"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([CertificateTrust.ServerAuthentication, CertificateTrust.ClientAuthentication], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());

        var now = DateTimeOffset.UtcNow;
        var notAfter = now.Add(lifetime) < _authority.NotAfter ? now.Add(lifetime) : new DateTimeOffset(_authority.NotAfter.ToUniversalTime());
        using var certificate = request.Create(_authority.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now.AddMinutes(-5), notAfter, RandomNumberGenerator.GetBytes(16));

        CreatePrivateDirectory(directory);
        var settings = TlsSettings.InDirectory(directory);
        WritePublic(settings.ResolvedCaFile, _authority.ExportCertificatePem());
        WritePublic(settings.ResolvedCertificateFile, certificate.ExportCertificatePem());
        SecretFile.Create(settings.ResolvedKeyFile, System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()));
        return settings;
    }

    public void Dispose()
    {
        _authority.Dispose();
        _key.Dispose();
    }

    private static void CreatePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static void WritePublic(string path, string pem)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        file.Write(System.Text.Encoding.ASCII.GetBytes(pem + "\n"));
        file.Flush(flushToDisk: true);
    }
}
