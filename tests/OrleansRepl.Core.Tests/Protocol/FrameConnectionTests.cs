using System.Buffers;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Protocol;

public sealed class FrameConnectionTests
{
    [Fact]
    public async Task FramesThatArriveTogether_AreAllReturned_WithoutWaitingForMoreBytes()
    {
        // Regression: marking the whole buffer examined after one frame made the next read wait for new
        // network bytes while whole frames sat in the buffer (a one-second stall per batch behind heartbeats).
        using var pair = await LoopbackPair.ConnectAsync();
        await using var reader = FrameConnection.Over(pair.Server);
        var frames = new ArrayBufferWriter<byte>();
        for (var i = 1; i <= 3; i++)
        {
            FrameCodec.Write(frames, MessageType.Heartbeat, ProtocolMessage.Encode(new Heartbeat(i)));
        }

        await pair.Client.SendAsync(frames.WrittenMemory); // one write; nothing follows it
        using var noMoreBytesComing = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(i, (await reader.ReadAsync<Heartbeat>(noMoreBytesComing.Token)).NextLsn);
        }
    }

    [Fact]
    public async Task BytesQueued_IsSettledWhenASendReturns_AndBytesSentCatchesUpWithIt()
    {
        // Regression: anti-entropy counted its metadata from BytesSent, which the write loop advances in its own
        // time; on a busy machine the handshake's Hello landed inside a cycle's count.
        using var pair = await LoopbackPair.ConnectAsync();
        await using var sender = FrameConnection.Over(pair.Client);
        await using var receiver = FrameConnection.Over(pair.Server);
        var expected = new ArrayBufferWriter<byte>();
        FrameCodec.Write(expected, MessageType.Heartbeat, ProtocolMessage.Encode(new Heartbeat(7)));

        await sender.SendAsync(new Heartbeat(7), CancellationToken.None);
        Assert.Equal(expected.WrittenCount, sender.BytesQueued); // at once, whatever the write loop has done
        Assert.Equal(7, (await receiver.ReadAsync<Heartbeat>(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token)).NextLsn);
        Assert.Equal(expected.WrittenCount, receiver.BytesReceived);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (sender.BytesSent != expected.WrittenCount)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(5), $"BytesSent stayed at {sender.BytesSent}"); // the write loop counts after its flush
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task APeerThatCloses_MidFrame_IsReportedAsSuch()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var reader = FrameConnection.Over(pair.Server);
        var frame = new ArrayBufferWriter<byte>();
        FrameCodec.Write(frame, MessageType.Heartbeat, ProtocolMessage.Encode(new Heartbeat(1)));
        await pair.Client.SendAsync(frame.WrittenMemory[..7]);
        pair.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        var closed = await Assert.ThrowsAsync<ConnectionClosedException>(() => reader.ReadAsync(new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token).AsTask());
        Assert.Contains("in the middle of a frame (7 bytes of it received)", closed.Message);
    }

    [Fact]
    public async Task ALeasedFrame_CarriesTheSameBytes_AndABigBatchCrossesTheSocketWhole()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var sender = FrameConnection.Over(pair.Client);
        await using var receiver = FrameConnection.Over(pair.Server);
        var records = Enumerable.Range(1, 3000).Select(i => LogRecord.Put(i, new RecordVersion((ulong)i, 1), BitConverter.GetBytes(i), new byte[100])).ToList();
        var chunk = LogChunk.Encode(records);

        await sender.SendAsync(new Batch(chunk), CancellationToken.None);
        await sender.SendAsync(new Heartbeat(9), CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using (var lease = await receiver.ReadLeasedAsync(timeout.Token))
        {
            var received = ProtocolMessage.Decode<Batch>(lease.Frame).Records;
            Assert.Equal((1L, 3000), (received.FirstLsn, received.Count));
            Assert.True(received.Bytes.Span.SequenceEqual(chunk.Bytes.Span));
        }

        Assert.Equal(9, (await receiver.ReadAsync<Heartbeat>(timeout.Token)).NextLsn);
    }

    [Fact]
    public async Task AFrameOverTheLimit_IsRefusedBeforeAnythingIsSent()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var sender = FrameConnection.Over(pair.Client, maxFrameLength: 4096);
        await using var receiver = FrameConnection.Over(pair.Server);
        var chunk = LogChunk.Encode([LogRecord.Put(1, new RecordVersion(1, 1), "k"u8.ToArray(), new byte[5000])]);

        var refused = await Assert.ThrowsAsync<FrameTooLargeException>(() => sender.SendAsync(new Batch(chunk), CancellationToken.None).AsTask());
        Assert.Contains($"frame of {chunk.Bytes.Length + 13} bytes exceeds the 4096-byte limit", refused.Message);

        await sender.SendAsync(new Heartbeat(5), CancellationToken.None); // the connection is still good
        Assert.Equal(5, (await receiver.ReadAsync<Heartbeat>(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token)).NextLsn);
    }

    [Fact]
    public async Task ARead_WhileAnotherTaskDisposesTheConnection_EndsAsAClosedConnection()
    {
        // Regression: the pipe reader completed under a concurrent read surfaced as InvalidOperationException,
        // which escaped a feeder session and faulted the feeder's shutdown. The race is timing-dependent: try often.
        for (var round = 0; round < 200; round++)
        {
            using var pair = await LoopbackPair.ConnectAsync();
            var connection = FrameConnection.Over(pair.Server);
            var reading = connection.ReadAsync(CancellationToken.None).AsTask();
            if (round % 2 == 0)
            {
                await Task.Yield();
            }

            await connection.DisposeAsync();
            await Assert.ThrowsAsync<ConnectionClosedException>(() => reading);
            await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.ReadAsync(CancellationToken.None).AsTask());
        }
    }

    [Fact]
    public async Task SendingToAPeerThatIsGone_FailsAsALostConnection_InsteadOfWaitingOnAFullQueue()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var sender = FrameConnection.Over(pair.Server);
        pair.Client.Close(); // the peer goes away; its kernel answers further data with a reset

        var chunk = LogChunk.Encode([LogRecord.Put(1, new RecordVersion(1, 1), "k"u8.ToArray(), new byte[60_000])]);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<System.Threading.Channels.ChannelClosedException>(async () =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                await sender.SendAsync(new Batch(chunk), bound.Token);
            }
        });
        Assert.False(bound.IsCancellationRequested, "the sends waited for the bound instead of failing");
    }
}
