using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrleansRepl.Core.Protocol;

/// <summary>Writes a message payload to a buffer: little-endian integers, and length-prefixed byte strings and UTF-8 text.</summary>
public sealed class PayloadWriter(IBufferWriter<byte> buffer)
{
    private readonly IBufferWriter<byte> _buffer = buffer;

    public PayloadWriter UInt8(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
        return this;
    }

    public PayloadWriter UInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
        return this;
    }

    public PayloadWriter UInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    public PayloadWriter UInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
        return this;
    }

    public PayloadWriter Int64(long value) => UInt64((ulong)value);

    /// <summary>Bytes of a fixed size known to both sides (hashes, nonces): no length prefix.</summary>
    public PayloadWriter Fixed(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    /// <summary>A 32-byte BLAKE3 hash.</summary>
    public PayloadWriter Hash(Hashing.Blake3Hash hash)
    {
        hash.CopyTo(_buffer.GetSpan(Hashing.Blake3Hash.Size));
        _buffer.Advance(Hashing.Blake3Hash.Size);
        return this;
    }

    /// <summary>u32 length, then the bytes.</summary>
    public PayloadWriter Bytes(ReadOnlySpan<byte> bytes)
    {
        UInt32((uint)bytes.Length);
        return Fixed(bytes);
    }

    /// <summary>u16 length, then UTF-8 text.</summary>
    public PayloadWriter Text(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"text of {bytes.Length} bytes exceeds the {ushort.MaxValue}-byte limit of a protocol string", nameof(text));
        }

        UInt16((ushort)bytes.Length);
        return Fixed(bytes);
    }
}
