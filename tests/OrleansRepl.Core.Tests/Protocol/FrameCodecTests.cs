using System.Buffers;
using System.Buffers.Binary;
using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Core.Tests.Protocol;

public sealed class FrameCodecTests
{
    [Fact]
    public void AFrame_RoundTrips_AndIsReadOnlyOnceWhole_HoweverTheBytesArrive()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.Write(writer, MessageType.Heartbeat, [1, 2, 3, 4, 5]);
        var bytes = writer.WrittenSpan.ToArray();
        Assert.Equal(FrameCodec.Overhead + 1 + 5, bytes.Length);

        for (var available = 0; available < bytes.Length; available++)
        {
            var partial = new ReadOnlySequence<byte>(bytes, 0, available);
            Assert.False(FrameCodec.TryRead(ref partial, 1024, out _));
        }

        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.True(FrameCodec.TryRead(ref whole, 1024, out var frame));
        Assert.Equal(MessageType.Heartbeat, frame.Type);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, frame.Payload.ToArray());
        Assert.True(whole.IsEmpty);
    }

    [Theory]
    [InlineData(uint.MaxValue)]
    [InlineData(1025u)]
    [InlineData(0u)]
    public void ALengthPrefixOutsideTheLimit_IsRejectedFromThePrefixAlone(uint length)
    {
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, length);
        var buffer = new ReadOnlySequence<byte>(prefix); // no body at all: nothing may wait for, or allocate, it
        var error = Assert.Throws<FrameTooLargeException>(() => FrameCodec.TryRead(ref buffer, 1024, out _));
        Assert.Contains($"frame of {length} bytes exceeds the 1024-byte limit", error.Message);
    }

    [Fact]
    public void AnyFlippedBitInTypeOrPayloadOrChecksum_IsRejected()
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameCodec.Write(writer, MessageType.Batch, new byte[40]);
        var bytes = writer.WrittenSpan.ToArray();
        for (var bit = FrameCodec.LengthSize * 8; bit < bytes.Length * 8; bit++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            var buffer = new ReadOnlySequence<byte>(damaged);
            Assert.Throws<FrameChecksumException>(() => FrameCodec.TryRead(ref buffer, 1024, out _));
        }
    }
}
