using System.Buffers;
using System.Buffers.Binary;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Protocol;

/// <summary>One message on the wire: its type and its payload bytes (owned by the frame).</summary>
public readonly record struct Frame(MessageType Type, ReadOnlyMemory<byte> Payload);

/// <summary>
/// The framing of every OrleansRepl connection, all integers little-endian:
/// <code>
/// u32 length | u8 type | payload (length - 1 bytes) | u32 CRC-32C of type and payload
/// </code>
/// <c>length</c> counts the type byte and the payload. It is checked against the limit before any buffer
/// for the frame is allocated, so a hostile prefix costs nothing.
/// </summary>
public static class FrameCodec
{
    public const int LengthSize = 4;
    public const int ChecksumSize = 4;
    public const int Overhead = LengthSize + ChecksumSize;

    /// <summary>The default limit on <c>length</c>: 16 MiB.</summary>
    public const int DefaultMaxFrameLength = 16 << 20;

    /// <summary>The smallest limit a connection may set: room for an Error frame with a short reason.</summary>
    public const int MinimumFrameLength = 256;

    /// <summary>Writes one frame to <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, MessageType type, ReadOnlySpan<byte> payload)
    {
        var length = 1 + payload.Length;
        var span = writer.GetSpan(Overhead + length);
        BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)length);
        span[LengthSize] = (byte)type;
        payload.CopyTo(span[(LengthSize + 1)..]);
        var crc = Crc32C.Compute(span.Slice(LengthSize, length));
        BinaryPrimitives.WriteUInt32LittleEndian(span[(LengthSize + length)..], crc);
        writer.Advance(Overhead + length);
    }

    /// <summary>
    /// Writes <paramref name="message"/> as one frame straight into <paramref name="buffer"/>: the payload is
    /// written once, in place, and checksummed there. A frame over <paramref name="maxFrameLength"/> throws
    /// <see cref="FrameTooLargeException"/>, so a sender never emits what its peer must refuse.
    /// </summary>
    internal static void Write<T>(PooledBufferWriter buffer, in T message, int maxFrameLength)
        where T : struct, Messages.IProtocolMessage<T>
    {
        var start = buffer.WrittenCount;
        buffer.GetSpan(LengthSize + 1)[LengthSize] = (byte)T.Type;
        buffer.Advance(LengthSize + 1);
        message.Write(new PayloadWriter(buffer));
        var length = buffer.WrittenCount - start - LengthSize;
        if (length > maxFrameLength)
        {
            throw new FrameTooLargeException(length, maxFrameLength);
        }

        var frame = buffer.WrittenSpan[start..];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, (uint)length);
        var crc = Crc32C.Compute(frame[LengthSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(buffer.GetSpan(ChecksumSize), crc);
        buffer.Advance(ChecksumSize);
    }

    /// <summary>
    /// Takes one whole frame off the front of <paramref name="buffer"/>. Returns false when more bytes are
    /// needed. Throws <see cref="FrameTooLargeException"/> or <see cref="FrameChecksumException"/> for bad frames.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameLength, out Frame frame) =>
        TryRead(ref buffer, maxFrameLength, pool: null, out frame);

    /// <summary>
    /// As <see cref="TryRead(ref ReadOnlySequence{byte}, int, out Frame)"/>, with the frame's bytes in an array
    /// rented from <paramref name="pool"/> when one is given; the caller returns it.
    /// </summary>
    internal static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxFrameLength, ArrayPool<byte>? pool, out Frame frame)
    {
        frame = default;
        if (buffer.Length < LengthSize)
        {
            return false;
        }

        Span<byte> prefix = stackalloc byte[LengthSize];
        buffer.Slice(0, LengthSize).CopyTo(prefix);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (length == 0 || length > (uint)maxFrameLength)
        {
            throw new FrameTooLargeException(length, maxFrameLength);
        }

        if (buffer.Length < Overhead + length)
        {
            return false;
        }

        var body = pool?.Rent((int)length) ?? GC.AllocateUninitializedArray<byte>((int)length);
        buffer.Slice(LengthSize, length).CopyTo(body);
        Span<byte> trailer = stackalloc byte[ChecksumSize];
        buffer.Slice(LengthSize + length, ChecksumSize).CopyTo(trailer);
        var declared = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        var computed = Crc32C.Compute(body.AsSpan(0, (int)length));
        if (declared != computed)
        {
            var type = (MessageType)body[0];
            pool?.Return(body);
            throw new FrameChecksumException(type, declared, computed);
        }

        frame = new Frame((MessageType)body[0], body.AsMemory(1, (int)length - 1));
        buffer = buffer.Slice(Overhead + length);
        return true;
    }
}
