using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.Streaming;

/// <summary>A follower that breaks the protocol mid-stream: its session ends with an Error frame, and nothing else is harmed.</summary>
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

    public void Dispose() => _directory.Dispose();
}
