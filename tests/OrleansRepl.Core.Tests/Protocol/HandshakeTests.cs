using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Protocol;

/// <summary>The connection handshake on real loopback sockets, and what each side sees when it goes wrong.</summary>
public sealed class HandshakeTests
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes(Encoding.ASCII.GetBytes("correct horse battery staple 0123456789"));
    private static readonly ClusterSecret OtherSecret = ClusterSecret.FromBytes(Encoding.ASCII.GetBytes("an entirely different secret 0123456789"));

    private static CancellationToken Timeout => new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token;

    [Fact]
    public async Task MatchingCredentials_AuthenticateBothSides()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var server = FrameConnection.Over(pair.Server);
        await using var client = FrameConnection.Over(pair.Client);

        var accepting = Handshake.AcceptAsync(server, new NodeCredentials("c1", "leader", Secret), Timeout).AsTask();
        var serverId = await Handshake.ConnectAsync(client, new NodeCredentials("c1", "follower", Secret), Timeout);

        Assert.Equal("leader", serverId);
        Assert.Equal("follower", await accepting);
    }

    [Fact]
    public async Task AWrongSecret_IsRejected_WithTheReasonOnBothSides()
    {
        var (server, client) = await RunAsync(new NodeCredentials("c1", "leader", Secret), new NodeCredentials("c1", "intruder", OtherSecret));
        Assert.Contains("authentication failed for node intruder: its proof of the cluster secret does not match", Assert.IsType<HandshakeRejectedException>(server).Message);
        var remote = Assert.IsType<RemoteErrorException>(client);
        Assert.Equal(ErrorCode.Authentication, remote.Code);
        Assert.Contains("authentication failed for node intruder", remote.Message);
    }

    [Fact]
    public async Task AnotherCluster_IsRejected_NamingBothClusters()
    {
        var (server, client) = await RunAsync(new NodeCredentials("prod", "leader", Secret), new NodeCredentials("staging", "follower", Secret));
        Assert.Contains("node follower belongs to cluster staging; this is cluster prod", server!.Message);
        Assert.Equal(ErrorCode.Cluster, Assert.IsType<RemoteErrorException>(client).Code);
    }

    [Fact]
    public async Task AnotherClusterWithoutTheSecret_LearnsNothingOfThisCluster()
    {
        var (server, client) = await RunAsync(new NodeCredentials("prod", "leader", Secret), new NodeCredentials("staging", "prober", OtherSecret));
        Assert.Equal(ErrorCode.Authentication, Assert.IsType<RemoteErrorException>(client).Code);
        Assert.DoesNotContain("prod", client!.Message, StringComparison.Ordinal);
        Assert.Contains("authentication failed for node prober", server!.Message);
    }

    [Fact]
    public async Task APeerClaimingTheServersOwnId_IsRefused()
    {
        var (server, client) = await RunAsync(new NodeCredentials("c1", "leader", Secret), new NodeCredentials("c1", "leader", Secret));
        Assert.Contains("the peer claims this node's own id leader; two nodes may not share an id", server!.Message);
        Assert.Equal(ErrorCode.Authentication, Assert.IsType<RemoteErrorException>(client).Code);
    }

    [Fact]
    public async Task AServerThatIsNotTheExpectedPeer_IsRefusedByTheClient()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var server = FrameConnection.Over(pair.Server);
        await using var client = FrameConnection.Over(pair.Client);
        var accepting = Capture(() => Handshake.AcceptAsync(server, new NodeCredentials("c1", "n3", Secret), Timeout).AsTask());

        var error = await Assert.ThrowsAsync<HandshakeRejectedException>(() => Handshake.ConnectAsync(client, new NodeCredentials("c1", "n2", Secret), Timeout, expectedPeer: "n1").AsTask());
        Assert.Equal("the server is node n3, not n1 as expected", error.Message);
        await accepting;
    }

    [Fact]
    public async Task AnotherProtocolVersion_IsRejected_NamingBothVersions()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var server = FrameConnection.Over(pair.Server);
        await using var client = FrameConnection.Over(pair.Client);
        var accepting = Handshake.AcceptAsync(server, new NodeCredentials("c1", "leader", Secret), Timeout, protocolVersion: 2).AsTask();
        var clientError = await Assert.ThrowsAsync<HandshakeRejectedException>(() => Handshake.ConnectAsync(client, new NodeCredentials("c1", "follower", Secret), Timeout, protocolVersion: 1).AsTask());
        Assert.Contains("server speaks protocol version 2; this node speaks version 1", clientError.Message);
        var serverError = await Assert.ThrowsAnyAsync<ProtocolException>(() => accepting);
        Assert.Contains("protocol version 2; this node speaks version 1", serverError.Message);
    }

    [Fact]
    public async Task AnOversizedLengthPrefix_GetsAnErrorFrame_AndNothingMoreIsRead()
    {
        var reply = await SendRawAsync(stream =>
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, 0x7FFF_FFFF);
            stream.Write(prefix);
        });
        Assert.Contains($"frame of 2147483647 bytes exceeds the {Handshake.MaxFrameLength}-byte limit", reply);
    }

    [Fact]
    public async Task BeforeTheProof_AFrameOfMoreThanAFewKiB_IsRefusedAtItsLengthPrefix()
    {
        // Below the connection's 16 MiB limit for authenticated peers, so before the proof only the handshake's own
        // 4 KiB limit stops it: a stranger cannot make the server buffer 16 MiB.
        var reply = await SendRawAsync(stream =>
        {
            var prefix = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(prefix, (16 << 20) - 1);
            stream.Write(prefix);
        });
        Assert.Contains($"frame of {(16 << 20) - 1} bytes exceeds the {Handshake.MaxFrameLength}-byte limit", reply);
    }

    [Fact]
    public async Task GarbageBytes_GetAnErrorFrame()
    {
        var garbage = new byte[64];
        new Random(3).NextBytes(garbage);
        garbage[0] = 40; // a plausible small length, so the frame is read whole and fails its checksum
        garbage[1] = garbage[2] = garbage[3] = 0;
        var reply = await SendRawAsync(stream => stream.Write(garbage));
        Assert.Contains("fails its checksum", reply);
    }

    /// <summary>Runs both sides to completion and returns what each threw (null when it succeeded).</summary>
    private static async Task<(Exception? Server, Exception? Client)> RunAsync(NodeCredentials serverSide, NodeCredentials clientSide)
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var server = FrameConnection.Over(pair.Server);
        await using var client = FrameConnection.Over(pair.Client);
        var accepting = Capture(() => Handshake.AcceptAsync(server, serverSide, Timeout).AsTask());
        var connecting = Capture(() => Handshake.ConnectAsync(client, clientSide, Timeout).AsTask());
        return (await accepting, await connecting);
    }

    private static async Task<Exception?> Capture(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>A raw client that reads the challenge, sends what <paramref name="send"/> writes, and returns the reason in the server's Error frame.</summary>
    private static async Task<string> SendRawAsync(Action<NetworkStream> send)
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var server = FrameConnection.Over(pair.Server);
        var accepting = Capture(() => Handshake.AcceptAsync(server, new NodeCredentials("c1", "leader", Secret), Timeout).AsTask());

        await using var raw = new NetworkStream(pair.Client);
        await using var client = new FrameConnection(new NetworkStream(pair.Client, ownsSocket: false));
        await client.ReadAsync<Challenge>(Timeout);
        send(raw);
        var serverError = await accepting;
        Assert.IsAssignableFrom<ProtocolException>(serverError);

        var error = await Assert.ThrowsAsync<RemoteErrorException>(() => client.ReadAsync<Welcome>(Timeout).AsTask());
        Assert.Equal(ErrorCode.Protocol, error.Code);
        await Assert.ThrowsAsync<ConnectionClosedException>(() => client.ReadAsync(Timeout).AsTask());
        return error.Message;
    }
}
