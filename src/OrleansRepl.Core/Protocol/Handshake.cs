using System.Security.Cryptography;
using OrleansRepl.Core.Protocol.Messages;

namespace OrleansRepl.Core.Protocol;

/// <summary>Who this node is on the wire, and the secret it proves.</summary>
public sealed record NodeCredentials(string ClusterId, string NodeId, ClusterSecret Secret)
{
    /// <summary>The TLS identity every connection of this node uses; null on a node that runs in plaintext (<see cref="Security.TlsSettings.Plaintext"/>).</summary>
    public Security.TlsIdentity? Tls { get; init; }
}

/// <summary>
/// The first exchange of every connection, mutual and replay-proof:
/// <list type="number">
/// <item>server → <see cref="Challenge"/>: protocol version, server nonce;</item>
/// <item>client → <see cref="Hello"/>: version, cluster, node, client nonce, HMAC proof over both nonces, cluster and node;</item>
/// <item>server → <see cref="Welcome"/>: its node and its own proof over the same values, or an Error frame stating why not.</item>
/// </list>
/// Both proofs also cover the connection's <see cref="FrameConnection.ChannelBinding"/>: on TLS, the two certificates
/// of this session, so a relay between two TLS sessions cannot pass the proofs on.
/// A wrong version, cluster or proof gets an Error frame with the reason and the connection closes; nothing
/// else is read from it.
/// </summary>
public static class Handshake
{
    /// <summary>3: the proofs cover the channel binding.</summary>
    public const ushort ProtocolVersion = 3;

    /// <summary>
    /// The largest frame either side reads until the other has proved the secret: a Challenge, Hello or Welcome
    /// with ids of any sane length fits many times over, and a stranger cannot make this side buffer more.
    /// </summary>
    public const int MaxFrameLength = 4096;

    /// <summary>Runs the server side; returns the authenticated peer's node id.</summary>
    public static async ValueTask<string> AcceptAsync(FrameConnection connection, NodeCredentials self, CancellationToken cancellationToken, ushort protocolVersion = ProtocolVersion)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var limit = connection.MaxFrameLength;
        connection.MaxFrameLength = Math.Min(limit, MaxFrameLength);
        var serverNonce = RandomNumberGenerator.GetBytes(Challenge.NonceSize);
        await connection.SendAsync(new Challenge(protocolVersion, serverNonce), cancellationToken);
        Hello hello;
        try
        {
            hello = await connection.ReadAsync<Hello>(cancellationToken);
        }
        catch (ProtocolException e) when (e is not RemoteErrorException)
        {
            await connection.FailAsync(ErrorCode.Protocol, e.Message);
            throw;
        }

        // The proof is checked before anything about this node is told: a peer without the secret learns neither
        // this node's cluster nor whether the one it named exists. A peer claiming this node's own id is refused.
        var (code, reason) = hello switch
        {
            _ when hello.ProtocolVersion != protocolVersion =>
                (ErrorCode.Version, $"protocol version {hello.ProtocolVersion} is not supported; this node speaks version {protocolVersion}"),
            _ when !self.Secret.Verify(hello.Proof.Span, "hello", serverNonce, hello.ClientNonce, Utf8(hello.ClusterId), Utf8(hello.NodeId), connection.ChannelBinding) =>
                (ErrorCode.Authentication, $"authentication failed for node {hello.NodeId}: its proof of the cluster secret does not match"),
            _ when hello.ClusterId != self.ClusterId =>
                (ErrorCode.Cluster, $"node {hello.NodeId} belongs to cluster {hello.ClusterId}; this is cluster {self.ClusterId}"),
            _ when hello.NodeId == self.NodeId =>
                (ErrorCode.Authentication, $"the peer claims this node's own id {self.NodeId}; two nodes may not share an id"),
            _ => (default(ErrorCode), string.Empty),
        };
        if (reason.Length > 0)
        {
            await connection.FailAsync(code, reason);
            throw new HandshakeRejectedException(reason);
        }

        var proof = self.Secret.Prove("welcome", hello.ClientNonce, serverNonce, Utf8(self.ClusterId), Utf8(self.NodeId), connection.ChannelBinding);
        await connection.SendAsync(new Welcome(self.NodeId, proof), cancellationToken);
        connection.MaxFrameLength = limit;
        return hello.NodeId;
    }

    /// <summary>
    /// Runs the client side; returns the authenticated server's node id. A server claiming this node's own id, or
    /// another id than <paramref name="expectedPeer"/> when one is given, is refused after its proof is checked.
    /// </summary>
    public static async ValueTask<string> ConnectAsync(FrameConnection connection, NodeCredentials self, CancellationToken cancellationToken, ushort protocolVersion = ProtocolVersion, string? expectedPeer = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var limit = connection.MaxFrameLength;
        connection.MaxFrameLength = Math.Min(limit, MaxFrameLength);
        var challenge = await connection.ReadAsync<Challenge>(cancellationToken);
        if (challenge.ProtocolVersion != protocolVersion)
        {
            var reason = $"server speaks protocol version {challenge.ProtocolVersion}; this node speaks version {protocolVersion}";
            await connection.FailAsync(ErrorCode.Version, reason);
            throw new HandshakeRejectedException(reason);
        }

        var clientNonce = RandomNumberGenerator.GetBytes(Challenge.NonceSize);
        var proof = self.Secret.Prove("hello", challenge.ServerNonce, clientNonce, Utf8(self.ClusterId), Utf8(self.NodeId), connection.ChannelBinding);
        await connection.SendAsync(new Hello(protocolVersion, self.ClusterId, self.NodeId, clientNonce, proof), cancellationToken);

        var welcome = await connection.ReadAsync<Welcome>(cancellationToken);
        if (!self.Secret.Verify(welcome.Proof.Span, "welcome", clientNonce, challenge.ServerNonce, Utf8(self.ClusterId), Utf8(welcome.NodeId), connection.ChannelBinding))
        {
            var reason = $"server {welcome.NodeId} failed to prove the cluster secret";
            await connection.FailAsync(ErrorCode.Authentication, reason);
            throw new HandshakeRejectedException(reason);
        }

        var wrongPeer = welcome.NodeId == self.NodeId
            ? $"the server claims this node's own id {self.NodeId}; two nodes may not share an id"
            : expectedPeer is not null && welcome.NodeId != expectedPeer ? $"the server is node {welcome.NodeId}, not {expectedPeer} as expected" : null;
        if (wrongPeer is not null)
        {
            await connection.FailAsync(ErrorCode.Authentication, wrongPeer);
            throw new HandshakeRejectedException(wrongPeer);
        }

        connection.MaxFrameLength = limit;
        return welcome.NodeId;
    }

    private static ReadOnlyMemory<byte> Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
