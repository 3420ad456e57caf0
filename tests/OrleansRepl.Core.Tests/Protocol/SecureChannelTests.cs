using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using OrleansRepl.Core.Protocol;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Protocol;

/// <summary>TLS on the replication port, on real loopback sockets: what is on the wire, and what a relay in the middle can and cannot do.</summary>
public sealed class SecureChannelTests : IDisposable
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes(Encoding.ASCII.GetBytes("correct horse battery staple 0123456789"));
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly TestCertificates _ca = new();

    [Fact]
    public async Task WithTls_TheHandshakeAuthenticates_AndNothingOfItIsReadableOnTheWire()
    {
        var server = _ca.Secure(new NodeCredentials("cluster-marker", "leader-marker", Secret));
        await using var listener = Server.Start(server);
        await using var tap = new Tap((IPEndPoint)listener.EndPoint);

        var (connection, peer) = await NodeConnection.OpenAsync(tap.EndPoint, _ca.Secure(new NodeCredentials("cluster-marker", "follower-marker", Secret)), Deadline, 1 << 20, CancellationToken.None);
        await using (connection)
        {
            Assert.Equal("leader-marker", peer);
            Assert.Equal("follower-marker", await listener.Accepted);
            Assert.Equal(64, connection.ChannelBinding.Length);
        }

        var wire = Encoding.ASCII.GetString(await tap.BytesAsync());
        Assert.True(wire.Length > 500, $"only {wire.Length} bytes crossed the tap");
        Assert.DoesNotContain("marker", wire, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionAfterConnection_EachIsAFullHandshake_BoundToBothCertificates()
    {
        // TLS would resume the first session for the next ones, and a resumed session carries no certificates.
        var server = _ca.Secure(new NodeCredentials("c", "leader", Secret));
        var client = _ca.Secure(new NodeCredentials("c", "follower", Secret));
        for (var i = 0; i < 3; i++)
        {
            await using var listener = Server.Start(server);
            var (connection, peer) = await NodeConnection.OpenAsync(listener.EndPoint, client, Deadline, 1 << 20, CancellationToken.None);
            await using (connection)
            {
                Assert.Equal("leader", peer);
                Assert.Equal("follower", await listener.Accepted);
            }
        }
    }

    [Fact]
    public async Task InPlaintext_TheSameHandshakeIsReadableOnTheWire()
    {
        await using var listener = Server.Start(new NodeCredentials("cluster-marker", "leader-marker", Secret));
        await using var tap = new Tap((IPEndPoint)listener.EndPoint);

        var (connection, _) = await NodeConnection.OpenAsync(tap.EndPoint, new NodeCredentials("cluster-marker", "follower-marker", Secret), Deadline, 1 << 20, CancellationToken.None);
        await connection.DisposeAsync();
        await listener.Accepted;

        Assert.Contains("follower-marker", Encoding.ASCII.GetString(await tap.BytesAsync()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARelayEndingTlsOnBothSides_EvenWithACertificateFromTheClustersCa_CannotPassTheProofsOn()
    {
        await using var listener = Server.Start(_ca.Secure(new NodeCredentials("c", "leader", Secret)));
        await using var relay = new TlsRelay((IPEndPoint)listener.EndPoint, _ca.Identity("mallory"));

        var client = await Assert.ThrowsAsync<RemoteErrorException>(() => NodeConnection.OpenAsync(relay.EndPoint, _ca.Secure(new NodeCredentials("c", "follower", Secret)), Deadline, 1 << 20, CancellationToken.None));

        Assert.Equal(ErrorCode.Authentication, client.Code);
        var server = await Assert.ThrowsAsync<HandshakeRejectedException>(() => listener.Accepted);
        Assert.Contains("authentication failed for node follower", server.Message);
    }

    [Fact]
    public async Task ACertificateFromAnotherCa_IsRefusedByTheServer_NamingTheChain()
    {
        using var stranger = new TestCertificates("stranger-ca");
        await using var listener = Server.Start(_ca.Secure(new NodeCredentials("c", "leader", Secret)));

        await Assert.ThrowsAnyAsync<ProtocolException>(() => NodeConnection.OpenAsync(listener.EndPoint, stranger.Secure(new NodeCredentials("c", "follower", Secret)), Deadline, 1 << 20, CancellationToken.None));

        var refused = await Assert.ThrowsAsync<TlsHandshakeException>(() => listener.Accepted);
        Assert.Contains("stranger-ca", refused.Message);
        Assert.Contains("fails the chain to the cluster's CA", refused.Message);
    }

    [Fact]
    public async Task AServerWithACertificateFromAnotherCa_IsRefusedByTheClient()
    {
        using var stranger = new TestCertificates("stranger-ca");
        await using var listener = Server.Start(stranger.Secure(new NodeCredentials("c", "leader", Secret)));

        var refused = await Assert.ThrowsAsync<TlsHandshakeException>(() => NodeConnection.OpenAsync(listener.EndPoint, _ca.Secure(new NodeCredentials("c", "follower", Secret)), Deadline, 1 << 20, CancellationToken.None));

        Assert.Contains("stranger-ca", refused.Message);
    }

    [Fact]
    public async Task APlaintextClient_GetsNoFrameFromATlsServer_AndTheServerSaysWhy()
    {
        await using var listener = Server.Start(_ca.Secure(new NodeCredentials("c", "leader", Secret)));

        await Assert.ThrowsAnyAsync<ProtocolException>(() => NodeConnection.OpenAsync(listener.EndPoint, new NodeCredentials("c", "follower", Secret), TimeSpan.FromSeconds(2), 1 << 20, CancellationToken.None));

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => listener.Accepted);
        Assert.True(refused is TlsHandshakeException or OperationCanceledException, refused.ToString());
    }

    [Fact]
    public async Task ATlsClient_ToAPlaintextServer_FailsTheTlsHandshake_SayingWhatToCheck()
    {
        await using var listener = Server.Start(new NodeCredentials("c", "leader", Secret));

        var refused = await Assert.ThrowsAsync<TlsHandshakeException>(() => NodeConnection.OpenAsync(listener.EndPoint, _ca.Secure(new NodeCredentials("c", "follower", Secret)), Deadline, 1 << 20, CancellationToken.None));

        Assert.Contains("Tls:Plaintext", refused.Message);
    }

    public void Dispose() => _ca.Dispose();

    /// <summary>One accepted connection: TLS as the credentials say, then the handshake.</summary>
    private sealed class Server : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

        private Server()
        {
        }

        public EndPoint EndPoint => _listener.LocalEndpoint;

        public Task<string> Accepted { get; private set; } = Task.FromResult("");

        public static Server Start(NodeCredentials credentials)
        {
            var server = new Server();
            server._listener.Start();
            server.Accepted = server.AcceptAsync(credentials);
            return server;
        }

        private async Task<string> AcceptAsync(NodeCredentials credentials)
        {
            using var deadline = new CancellationTokenSource(Deadline);
            var socket = await _listener.AcceptSocketAsync(deadline.Token);
            await using var connection = await SecureChannel.AcceptAsync(socket, credentials.Tls, 1 << 20, deadline.Token);
            return await Handshake.AcceptAsync(connection, credentials, deadline.Token);
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await Accepted.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>A TCP relay that forwards every byte both ways and keeps a copy: what someone on the path sees.</summary>
    private sealed class Tap : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly MemoryStream _seen = new();
        private readonly Task _relay;

        public Tap(IPEndPoint target)
        {
            _listener.Start();
            _relay = RelayAsync(target);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public async Task<byte[]> BytesAsync()
        {
            await _relay.WaitAsync(Deadline);
            lock (_seen)
            {
                return _seen.ToArray();
            }
        }

        private async Task RelayAsync(IPEndPoint target)
        {
            using var inbound = await _listener.AcceptSocketAsync();
            using var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await outbound.ConnectAsync(target);
            await Task.WhenAll(PumpAsync(inbound, outbound), PumpAsync(outbound, inbound));
        }

        private async Task PumpAsync(Socket from, Socket to)
        {
            var buffer = new byte[16 << 10];
            try
            {
                int read;
                while ((read = await from.ReceiveAsync(buffer)) > 0)
                {
                    lock (_seen)
                    {
                        _seen.Write(buffer, 0, read);
                    }

                    await to.SendAsync(buffer.AsMemory(0, read));
                }

                to.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException)
            {
                // One side went away: so does the relay.
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _relay.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>An on-path attacker holding a certificate the cluster's CA issued: it ends TLS with each side and forwards the plaintext between them.</summary>
    private sealed class TlsRelay : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _relay;

        public TlsRelay(IPEndPoint target, OrleansRepl.Core.Security.TlsIdentity identity)
        {
            _listener.Start();
            _relay = RelayAsync(target, identity);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        private async Task RelayAsync(IPEndPoint target, OrleansRepl.Core.Security.TlsIdentity identity)
        {
            using var inbound = await _listener.AcceptSocketAsync();
            using var outbound = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await outbound.ConnectAsync(target);
            await using var toClient = new SslStream(new NetworkStream(inbound));
            await using var toServer = new SslStream(new NetworkStream(outbound));
            await Task.WhenAll(toClient.AuthenticateAsServerAsync(identity.ServerOptions(_ => { })), toServer.AuthenticateAsClientAsync(identity.ClientOptions(_ => { })));
            await Task.WhenAny(PumpAsync(toClient, toServer), PumpAsync(toServer, toClient));
        }

        private static async Task PumpAsync(Stream from, Stream to)
        {
            try
            {
                await from.CopyToAsync(to);
            }
            catch (IOException)
            {
                // One side went away: so does the relay.
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _relay.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
