using System.Buffers;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
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
}
