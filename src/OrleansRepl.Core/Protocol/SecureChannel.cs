using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using OrleansRepl.Core.Security;

namespace OrleansRepl.Core.Protocol;

/// <summary>
/// A node-to-node connection's transport: TLS with a certificate from the cluster's CA on both sides, or plaintext
/// when a node runs without TLS (<see cref="TlsSettings.Plaintext"/>). On TLS the connection carries its channel
/// binding, SHA-256 of the server's certificate then of the client's, which the handshake's proofs cover: a relay
/// that ends TLS with either side (even with a certificate the CA issued) sees other certificates, so the proofs it
/// passes on do not verify.
/// </summary>
public static class SecureChannel
{
    /// <summary>The server side over an accepted socket; the socket is owned (and closed on failure).</summary>
    public static ValueTask<FrameConnection> AcceptAsync(Socket socket, TlsIdentity? tls, int maxFrameLength, CancellationToken cancellationToken) =>
        tls is null
            ? ValueTask.FromResult(FrameConnection.Over(socket, maxFrameLength))
            : SecureAsync(socket, maxFrameLength, asServer: true, (ssl, refusal) => ssl.AuthenticateAsServerAsync(tls.ServerOptions(refusal), cancellationToken));

    /// <summary>The client side over a connected socket; the socket is owned (and closed on failure).</summary>
    public static ValueTask<FrameConnection> ConnectAsync(Socket socket, TlsIdentity? tls, int maxFrameLength, CancellationToken cancellationToken) =>
        tls is null
            ? ValueTask.FromResult(FrameConnection.Over(socket, maxFrameLength))
            : SecureAsync(socket, maxFrameLength, asServer: false, (ssl, refusal) => ssl.AuthenticateAsClientAsync(tls.ClientOptions(refusal), cancellationToken));

    /// <summary>TLS over <paramref name="socket"/> by <paramref name="authenticate"/>; a failure names the peer and, when this side refused its certificate, why.</summary>
    private static async ValueTask<FrameConnection> SecureAsync(Socket socket, int maxFrameLength, bool asServer, Func<SslStream, Action<string>, Task> authenticate)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var peer = socket.RemoteEndPoint;
        string? refusal = null;
        var ssl = new SslStream(new CoalescingStream(FrameConnection.StreamOver(socket)), leaveInnerStreamOpen: false);
        try
        {
            await authenticate(ssl, reason => refusal = reason);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw new TlsHandshakeException($"TLS handshake with {peer} failed: {refusal ?? Explain(e)}", e);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        return asServer
            ? await BoundAsync(ssl, peer, server: ssl.LocalCertificate, client: ssl.RemoteCertificate, maxFrameLength)
            : await BoundAsync(ssl, peer, server: ssl.RemoteCertificate, client: ssl.LocalCertificate, maxFrameLength);
    }

    /// <summary>
    /// The connection over <paramref name="ssl"/>, bound to SHA-256 of the server's certificate, then of the client's:
    /// the same bytes on both ends of one TLS session. A session without both certificates is refused.
    /// </summary>
    private static async ValueTask<FrameConnection> BoundAsync(SslStream ssl, EndPoint? peer, X509Certificate? server, X509Certificate? client, int maxFrameLength)
    {
        if (server is null || client is null)
        {
            await ssl.DisposeAsync();
            throw new TlsHandshakeException($"TLS session with {peer} has no {(server is null ? "server" : "client")} certificate; both sides must present one from the cluster's CA");
        }

        var binding = new byte[2 * SHA256.HashSizeInBytes];
        SHA256.HashData(server.GetRawCertData(), binding);
        SHA256.HashData(client.GetRawCertData(), binding.AsSpan(SHA256.HashSizeInBytes));
        return new FrameConnection(ssl, maxFrameLength) { ChannelBinding = binding };
    }

    private static string Explain(Exception e)
    {
        var innermost = e;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        var why = innermost == e ? e.Message : $"{e.Message} ({innermost.Message})";
        return $"{why}; does the peer run with TLS as this side does (Tls:Plaintext the same on both), and was its certificate issued by this cluster's CA?";
    }
}
