using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.Streaming;

/// <summary>
/// Broken or hostile peers of a feeder: one that breaks the protocol mid-stream, one that never proves the secret,
/// one host opening more connections than its share. Each is ended with an Error frame; nothing else is harmed.
/// </summary>
public sealed class FeederProtocolTests : IDisposable
{
    private static readonly NodeCredentials Leader = new("orepl", "leader", ClusterSecret.FromBytes(Bytes("feeder protocol tests secret 0123456789")));
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AnAckForNoBatch_EndsThatStreamWithAProtocolError_AndTheFeederServesOnAndStopsCleanly()
    {
        await using var store = LogStore.Open(_directory.File("leader"), new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never });
        var feeder = new Feeder(store, Leader, new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        try
        {
            // The store is empty: the stream is caught up at once, with no batch in flight to acknowledge.
            var (connection, _) = await NodeConnection.OpenAsync(feeder.EndPoint, Leader with { NodeId = "rogue" }, TimeSpan.FromSeconds(10), FrameCodec.DefaultMaxFrameLength, CancellationToken.None);
            await using (connection)
            {
                await connection.SendAsync(new SyncRequest(0, Handshake.ProtocolVersion, SyncFlags.None, 0, 2), CancellationToken.None);
                await connection.ReadAsync<ShardInfo>(CancellationToken.None);
                await connection.SendAsync(new StartStream(1), CancellationToken.None);
                await connection.ReadAsync<CaughtUp>(CancellationToken.None);
                await connection.SendAsync(new Ack(1, 1, default), CancellationToken.None);

                var error = await Assert.ThrowsAsync<RemoteErrorException>(async () =>
                {
                    while (true)
                    {
                        await connection.ReadAsync<Heartbeat>(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)); // heartbeats may come first; an Error frame throws
                    }
                });
                Assert.Equal(ErrorCode.Protocol, error.Code);
                Assert.Contains("unexpected Ack frame; expected an Ack only for a batch sent and not yet acknowledged", error.Message);
            }

            // Another follower is served as before.
            var (next, _) = await NodeConnection.OpenAsync(feeder.EndPoint, Leader with { NodeId = "follower" }, TimeSpan.FromSeconds(10), FrameCodec.DefaultMaxFrameLength, CancellationToken.None);
            await using (next)
            {
                await next.SendAsync(new SyncRequest(1, Handshake.ProtocolVersion, SyncFlags.InfoOnly, 0, 2), CancellationToken.None);
                Assert.Equal(2, (await next.ReadAsync<ShardInfo>(CancellationToken.None)).ShardCount);
            }
        }
        finally
        {
            await feeder.DisposeAsync(); // before the fix, the session faulted with SemaphoreFullException and this threw
        }
    }

    [Fact]
    public async Task AFollowerThatGoesSilentWithBatchesUnacknowledged_IsEndedWithinTheDeadPeerInterval()
    {
        await using var store = LogStore.Open(_directory.File("silent"), new StoreOptions { ShardCount = 1, Fsync = FsyncMode.Never });
        await store.WriteAsync(Enumerable.Range(0, 2000).Select(i => WriteOperation.Put(Bytes($"key-{i}"), Bytes("value"))).ToList());
        var options = new StreamingOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(200), MissedHeartbeatsAllowed = 2, MaxInFlightBatches = 1, MaxBatchRecords = 100 };
        await using var feeder = new Feeder(store, Leader, options, () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        var (connection, _) = await NodeConnection.OpenAsync(feeder.EndPoint, Leader with { NodeId = "vanishing" }, TimeSpan.FromSeconds(10), FrameCodec.DefaultMaxFrameLength, CancellationToken.None);
        await using (connection)
        {
            await connection.SendAsync(new SyncRequest(0, Handshake.ProtocolVersion, SyncFlags.None, 0, 1), CancellationToken.None);
            await connection.ReadAsync<ShardInfo>(CancellationToken.None);
            await connection.SendAsync(new StartStream(1), CancellationToken.None);
            await connection.ReadAsync<Batch>(CancellationToken.None); // one batch in flight, never acknowledged, and then silence

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var error = await Assert.ThrowsAsync<RemoteErrorException>(() => connection.ReadAsync<Batch>(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Contains("follower silent for more than 0.4 s with 1 batches unacknowledged", error.Message);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5));
        }
    }

    [Fact]
    public async Task AConnectionThatNeverProvesTheSecret_IsClosedAtTheHandshakeDeadline()
    {
        await using var store = LogStore.Open(_directory.File("deadline"), new StoreOptions { ShardCount = 1, Fsync = FsyncMode.Never });
        await using var feeder = new Feeder(store, Leader, new StreamingOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(500) }, () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(feeder.EndPoint);
        await using var silent = FrameConnection.Over(socket);
        await silent.ReadAsync<Challenge>(CancellationToken.None); // and then says nothing

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RemoteErrorException>(() => silent.ReadAsync<Welcome>(CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("peer reported Authentication: no handshake within 0.5 s", error.Message);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ConnectionsBeyondOneAddressShare_AreRefusedWithTheReason_AndServedAgainOnceOthersClose()
    {
        await using var store = LogStore.Open(_directory.File("limits"), new StoreOptions { ShardCount = 1, Fsync = FsyncMode.Never });
        await using var feeder = new Feeder(store, Leader, new StreamingOptions { MaxConnectionsPerAddress = 2 }, () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        var idle = new List<FrameConnection>();
        for (var i = 0; i < 2; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(feeder.EndPoint);
            idle.Add(FrameConnection.Over(socket));
            await idle[^1].ReadAsync<Challenge>(CancellationToken.None);
        }

        var refused = await Assert.ThrowsAsync<RemoteErrorException>(() => NodeConnection.OpenAsync(feeder.EndPoint, Leader with { NodeId = "third" }, TimeSpan.FromSeconds(10), FrameCodec.DefaultMaxFrameLength, CancellationToken.None));
        Assert.Contains("leader serves 2 connections from 127.0.0.1, the limit for one address (MaxConnectionsPerAddress)", refused.Message);

        foreach (var connection in idle)
        {
            await connection.DisposeAsync();
        }

        await Poll.UntilAsync(async () =>
        {
            try
            {
                var (connection, _) = await NodeConnection.OpenAsync(feeder.EndPoint, Leader with { NodeId = "third" }, TimeSpan.FromSeconds(10), FrameCodec.DefaultMaxFrameLength, CancellationToken.None);
                await connection.DisposeAsync();
                return true;
            }
            catch (RemoteErrorException)
            {
                return false; // the closed ones are not counted out yet
            }
        }, TimeSpan.FromSeconds(10), "a connection served once the idle ones closed");
    }

    [Fact]
    public async Task WithTls_AConnectionOverTheLimit_IsToldWhyOverTls()
    {
        using var ca = new TestCertificates();
        await using var store = LogStore.Open(_directory.File("tls-limits"), new StoreOptions { ShardCount = 1, Fsync = FsyncMode.Never });
        await using var feeder = new Feeder(store, ca.Secure(Leader), new StreamingOptions { MaxConnectionsPerAddress = 1 }, () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));

        // Accepted and counted first (connections are admitted in the order they are accepted); it never begins TLS.
        using var idle = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await idle.ConnectAsync(feeder.EndPoint);

        var refused = await Assert.ThrowsAsync<RemoteErrorException>(() => NodeConnection.OpenAsync(feeder.EndPoint, ca.Secure(Leader with { NodeId = "third" }), TimeSpan.FromSeconds(10), FrameCodec.DefaultMaxFrameLength, CancellationToken.None));
        Assert.Contains("leader serves 1 connections from 127.0.0.1, the limit for one address (MaxConnectionsPerAddress)", refused.Message);
    }

    public void Dispose() => _directory.Dispose();
}
