using System.Net.Security;
using Orleans.Connections.Security;
using OrleansRepl.Core.Security;

namespace OrleansRepl.Client.Cluster;

/// <summary>
/// The Orleans connections (silo to silo, client to gateway) and the key-value API's HTTPS on a cluster's TLS
/// identity: both ends present a certificate from the cluster's CA and check the other's against it, and nothing
/// else (not the machine's trusted roots) vouches for a peer.
/// </summary>
public static class ClusterTls
{
    /// <summary>Mutual TLS for Orleans on <paramref name="identity"/>: the certificate chosen per connection (so a rotation is used), the peer's required and checked.</summary>
    public static void Configure(TlsOptions options, TlsIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(identity);
        options.LocalCertificate = identity.Certificate;
        options.LocalServerCertificateSelector = (_, _) => identity.Certificate;
        options.LocalClientCertificateSelector = (_, _, _, _, _) => identity.Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, _, _) => identity.CheckPeer(certificate) is null;
        options.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13;
        options.OnAuthenticateAsClient = (_, client) => client.TargetHost = "orepl";
    }

    /// <summary>An HTTP handler for the nodes' key-value API and dashboard: on TLS, a node's certificate is checked against the cluster's CA (its host name is not: nodes are reached by address).</summary>
    public static SocketsHttpHandler HttpHandler(TlsIdentity? identity)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (identity is not null)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) => identity.CheckServer(certificate) is null,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
            };
        }

        return handler;
    }
}
