using System.Buffers.Binary;
using System.Text;

namespace OrleansRepl.Core.Protocol;

/// <summary>
/// Reads a message payload field by field. A short or malformed payload throws
/// <see cref="MalformedMessageException"/> naming the message, the field, and the bytes needed and present.
/// </summary>
public ref struct PayloadReader(MessageType message, ReadOnlyMemory<byte> payload)
{
    private readonly ReadOnlyMemory<byte> _payload = payload;
    private int _position;

    public readonly int Remaining => _payload.Length - _position;

    public byte UInt8(string field) => Take(field, 1)[0];

    public ushort UInt16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Take(field, 2));

    public uint UInt32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Take(field, 4));

    public ulong UInt64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(field, 8));

    public long Int64(string field) => (long)UInt64(field);

    /// <summary>A 32-byte BLAKE3 hash.</summary>
    public Hashing.Blake3Hash Hash(string field) => new(Take(field, Hashing.Blake3Hash.Size));

    public ReadOnlyMemory<byte> Fixed(string field, int length)
    {
        Take(field, length);
        return _payload.Slice(_position - length, length);
    }

    public ReadOnlyMemory<byte> Bytes(string field, int maxLength)
    {
        var length = UInt32(field + " length");
        if (length > (uint)maxLength)
        {
            throw new MalformedMessageException($"{message}.{field}: length {length} exceeds the limit of {maxLength} bytes");
        }

        return Fixed(field, (int)length);
    }

    public string Text(string field)
    {
        var length = UInt16(field + " length");
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Fixed(field, length).Span);
        }
        catch (DecoderFallbackException)
        {
            throw new MalformedMessageException($"{message}.{field}: {length} bytes that are not valid UTF-8");
        }
    }

    /// <summary>The unread bytes, without consuming them: for fields whose length is known only once decoded.</summary>
    public readonly ReadOnlyMemory<byte> Rest => _payload[_position..];

    /// <summary>Consumes <paramref name="count"/> bytes already decoded from <see cref="Rest"/>.</summary>
    public void Skip(string field, int count) => Take(field, count);

    /// <summary>Fails when bytes are left over: a payload must be exactly its fields.</summary>
    public readonly void End()
    {
        if (Remaining != 0)
        {
            throw new MalformedMessageException($"{message}: {Remaining} unexpected bytes after the last field (payload is {_payload.Length} bytes)");
        }
    }

    private ReadOnlySpan<byte> Take(string field, int length)
    {
        if (Remaining < length)
        {
            throw new MalformedMessageException($"{message}.{field}: needs {length} bytes at offset {_position}, {Remaining} remain of a {_payload.Length}-byte payload");
        }

        var span = _payload.Span.Slice(_position, length);
        _position += length;
        return span;
    }
}
