using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace OrleansRepl.Core.Hashing;

/// <summary>A 32-byte BLAKE3 digest, compared by value; its text form is 64 lowercase hex digits, as b3sum prints.</summary>
public readonly struct Blake3Hash : IEquatable<Blake3Hash>, IComparable<Blake3Hash>, ISpanFormattable
{
    public const int Size = 32;

    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    public Blake3Hash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"a BLAKE3 hash is {Size} bytes, got {bytes.Length}", nameof(bytes));
        }

        _w0 = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
    }

    /// <summary>The package's digest as ours: the one place the two types meet.</summary>
    internal static Blake3Hash From(global::Blake3.Hash hash) => new(hash.AsSpan());

    public void CopyTo(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes; a BLAKE3 hash needs {Size}", nameof(destination));
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], _w3);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    public static Blake3Hash Parse(string hex) =>
        TryParse(hex, out var hash) ? hash : throw new FormatException($"a BLAKE3 hash is {Size * 2} hex digits, got \"{hex}\"");

    public static bool TryParse([NotNullWhen(true)] string? hex, out Blake3Hash hash)
    {
        hash = default;
        if (hex is null || hex.Length != Size * 2)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }

        hash = new Blake3Hash(bytes);
        return true;
    }

    public bool Equals(Blake3Hash other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    public override bool Equals(object? obj) => obj is Blake3Hash other && Equals(other);

    /// <summary>Byte-wise order, the same as the order of the hex text.</summary>
    public int CompareTo(Blake3Hash other)
    {
        // Words were read little-endian; reversing them compares the bytes in their written order.
        var order = BinaryPrimitives.ReverseEndianness(_w0).CompareTo(BinaryPrimitives.ReverseEndianness(other._w0));
        order = order != 0 ? order : BinaryPrimitives.ReverseEndianness(_w1).CompareTo(BinaryPrimitives.ReverseEndianness(other._w1));
        order = order != 0 ? order : BinaryPrimitives.ReverseEndianness(_w2).CompareTo(BinaryPrimitives.ReverseEndianness(other._w2));
        return order != 0 ? order : BinaryPrimitives.ReverseEndianness(_w3).CompareTo(BinaryPrimitives.ReverseEndianness(other._w3));
    }

    // The digest is already uniform; any 32 bits of it are a good hash code.
    public override int GetHashCode() => (int)_w0;

    public override string ToString() => ToString(null, null);

    public string ToString(string? format, IFormatProvider? formatProvider) =>
        string.Create(Size * 2, this, static (chars, hash) => hash.TryFormat(chars, out _, default, null));

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return Convert.TryToHexStringLower(bytes, destination, out charsWritten);
    }

    public static bool operator ==(Blake3Hash left, Blake3Hash right) => left.Equals(right);

    public static bool operator <(Blake3Hash left, Blake3Hash right) => left.CompareTo(right) < 0;

    public static bool operator >(Blake3Hash left, Blake3Hash right) => left.CompareTo(right) > 0;

    public static bool operator <=(Blake3Hash left, Blake3Hash right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Blake3Hash left, Blake3Hash right) => left.CompareTo(right) >= 0;

    public static bool operator !=(Blake3Hash left, Blake3Hash right) => !left.Equals(right);
}
