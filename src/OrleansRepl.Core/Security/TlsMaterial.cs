using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Net.Security;
using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Core.Security;

/// <summary>
/// One reading of the TLS files, checked whole: the certificate with its key, the intermediates after it, the CA
/// bundle, and the context a TLS handshake sends. Each problem found is named with its file.
/// </summary>
internal sealed class TlsMaterial
{
    private TlsMaterial(X509Certificate2 certificate, X509Certificate2Collection authorities, SslStreamCertificateContext context, FileStamp stamp)
    {
        Certificate = certificate;
        Authorities = authorities;
        Context = context;
        Stamp = stamp;
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection Authorities { get; }

    public SslStreamCertificateContext Context { get; }

    public FileStamp Stamp { get; }

    /// <summary>Reads and checks the three files; <paramref name="serves"/> says the certificate must also serve (a node's), not only connect (a client's).</summary>
    public static TlsMaterial Read(TlsSettings settings, bool serves, DateTimeOffset now)
    {
        var (caFile, certificateFile, keyFile) = (settings.ResolvedCaFile, settings.ResolvedCertificateFile, settings.ResolvedKeyFile);
        var stamp = FileStamp.Of(caFile, certificateFile, keyFile);
        var authorities = ReadAuthorities(caFile, now);
        var chain = ReadCertificates(certificateFile, "certificate");
        var key = System.Text.Encoding.ASCII.GetString(ReadPrivateKey(keyFile));
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificateFile), key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new TlsConfigurationException($"the TLS key file {keyFile} does not hold the private key of the certificate in {certificateFile}: {e.Message}", e);
        }

        if (now < certificate.NotBefore || now > certificate.NotAfter)
        {
            throw new TlsConfigurationException($"the TLS certificate in {certificateFile} ({certificate.Subject}) is valid from {certificate.NotBefore.ToUniversalTime():u} to {certificate.NotAfter.ToUniversalTime():u}, not now ({now.UtcDateTime:u})");
        }

        var intermediates = new X509Certificate2Collection();
        intermediates.AddRange(chain.Skip(1).ToArray());
        var trust = CertificateTrust.Check(certificate, authorities, intermediates, serves ? CertificateTrust.ServerAuthentication : CertificateTrust.ClientAuthentication);
        if (trust is not null)
        {
            throw new TlsConfigurationException($"the TLS certificate in {certificateFile} ({certificate.Subject}) is not one the cluster's CA in {caFile} vouches for: {trust}");
        }

        if (serves && CertificateTrust.Check(certificate, authorities, intermediates, CertificateTrust.ClientAuthentication) is { } notClient)
        {
            throw new TlsConfigurationException($"the TLS certificate in {certificateFile} ({certificate.Subject}) cannot connect to other nodes: {notClient}");
        }

        return new TlsMaterial(certificate, authorities, SslStreamCertificateContext.Create(certificate, intermediates, offline: true), stamp);
    }

    private static X509Certificate2Collection ReadAuthorities(string caFile, DateTimeOffset now)
    {
        var authorities = ReadCertificates(caFile, "CA bundle");
        foreach (var authority in authorities)
        {
            var constraints = authority.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
            if (constraints is not { CertificateAuthority: true })
            {
                throw new TlsConfigurationException($"the TLS CA bundle {caFile} holds {authority.Subject}, which is not a CA certificate (no basic constraint CA=true)");
            }

            if (now > authority.NotAfter)
            {
                throw new TlsConfigurationException($"the TLS CA bundle {caFile} holds {authority.Subject}, which expired at {authority.NotAfter.ToUniversalTime():u}");
            }
        }

        return authorities;
    }

    private static X509Certificate2Collection ReadCertificates(string file, string what)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new TlsConfigurationException($"cannot read the TLS {what} {file}: {e.Message}", e);
        }

        return certificates.Count > 0 ? certificates : throw new TlsConfigurationException($"the TLS {what} {file} holds no PEM certificate");
    }

    private static byte[] ReadPrivateKey(string keyFile)
    {
        try
        {
            return SecretFile.ReadPrivate(keyFile, "TLS private key");
        }
        catch (InvalidOperationException e)
        {
            throw new TlsConfigurationException(e.Message, e);
        }
    }
}

/// <summary>What the TLS files looked like when read: a change of any of them is a rotation to read.</summary>
internal readonly record struct FileStamp(DateTime CaWritten, long CaLength, DateTime CertificateWritten, long CertificateLength, DateTime KeyWritten, long KeyLength)
{
    public static FileStamp Of(string caFile, string certificateFile, string keyFile)
    {
        static (DateTime, long) Look(string file)
        {
            var info = new FileInfo(file);
            return info.Exists ? (info.LastWriteTimeUtc, info.Length) : throw new TlsConfigurationException($"the TLS file {file} does not exist");
        }

        var (caWritten, caLength) = Look(caFile);
        var (certificateWritten, certificateLength) = Look(certificateFile);
        var (keyWritten, keyLength) = Look(keyFile);
        return new FileStamp(caWritten, caLength, certificateWritten, certificateLength, keyWritten, keyLength);
    }
}
