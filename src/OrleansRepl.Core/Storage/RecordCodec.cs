using System.Buffers.Binary;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Storage;

/// <summary>
/// The byte form of a <see cref="LogRecord"/>, identical on disk and on the wire. All integers are little-endian:
/// <code>
/// u32 body length | u8 kind | u8 flags | i64 lsn | u64 timestamp | u64 origin | u32 key length | u32 value length | key | value | u32 crc32c(body)
/// </code>
/// The body is everything from kind to the end of the value. Its CRC-32C also serves as the record's
/// fingerprint in syncup: two logs agree at an LSN when the fingerprints there are equal.
/// </summary>
public static class RecordCodec
{
    public const int LengthPrefixSize = 4;
    public const int ChecksumSize = 4;

    /// <summary>Bytes of body before the key: kind, flags, lsn, timestamp, origin, key length, value length.</summary>
    public const int FixedBodySize = 1 + 1 + 8 + 8 + 8 + 4 + 4;

    /// <summary>The smallest whole record: a seal, with no key or value.</summary>
    public const int MinimumRecordSize = LengthPrefixSize + FixedBodySize + ChecksumSize;

    private const byte SyncPointFlag = 1;

    /// <summary>The record's fingerprint: the CRC-32C of its body, as <see cref="Encode"/> would write it.</summary>
    public static uint Fingerprint(in LogRecord record)
    {
        var length = EncodedLength(record);
        var buffer = length <= 1024 ? stackalloc byte[length] : new byte[length];
        return Encode(record, buffer);
    }

    public static int EncodedLength(in LogRecord record) =>
        LengthPrefixSize + FixedBodySize + record.Key.Length + record.Value.Length + ChecksumSize;

    /// <summary>Writes <paramref name="record"/> to the start of <paramref name="destination"/>; returns its fingerprint.</summary>
    public static uint Encode(in LogRecord record, Span<byte> destination)
    {
        var bodyLength = FixedBodySize + record.Key.Length + record.Value.Length;
        var body = destination.Slice(LengthPrefixSize, bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)bodyLength);
        body[0] = (byte)record.Kind;
        body[1] = record.SyncPoint ? SyncPointFlag : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(body[2..], record.Lsn);
        BinaryPrimitives.WriteUInt64LittleEndian(body[10..], record.Version.Timestamp);
        BinaryPrimitives.WriteUInt64LittleEndian(body[18..], record.Version.Origin);
        BinaryPrimitives.WriteUInt32LittleEndian(body[26..], (uint)record.Key.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(body[30..], (uint)record.Value.Length);
        record.Key.Span.CopyTo(body[FixedBodySize..]);
        record.Value.Span.CopyTo(body[(FixedBodySize + record.Key.Length)..]);
        var checksum = Crc32C.Compute(body);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[(LengthPrefixSize + bodyLength)..], checksum);
        return checksum;
    }

    /// <summary>
    /// Reads the record at the start of <paramref name="backing"/>. Key and value alias <paramref name="backing"/>,
    /// so nothing is copied. The length prefix is checked against <paramref name="maxBodyLength"/> before
    /// anything else is trusted.
    /// </summary>
    public static DecodeStatus TryDecode(ReadOnlyMemory<byte> backing, int maxBodyLength, out LogRecord record, out int consumed, out uint fingerprint)
    {
        record = default;
        consumed = 0;
        fingerprint = 0;
        var source = backing.Span;
        if (source.Length < LengthPrefixSize)
        {
            return DecodeStatus.Incomplete;
        }

        var bodyLength = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (bodyLength < FixedBodySize || bodyLength > (uint)maxBodyLength)
        {
            return DecodeStatus.Corrupt;
        }

        var total = LengthPrefixSize + (int)bodyLength + ChecksumSize;
        if (source.Length < total)
        {
            return DecodeStatus.Incomplete;
        }

        // The cheap structural checks run before the checksum: recovery probes every byte offset of a damaged
        // region for the next record, and garbage must fail there without a CRC over megabytes.
        var body = source.Slice(LengthPrefixSize, (int)bodyLength);
        var kind = (RecordKind)body[0];
        var keyLength = BinaryPrimitives.ReadUInt32LittleEndian(body[26..]);
        var valueLength = BinaryPrimitives.ReadUInt32LittleEndian(body[30..]);
        if (kind is not (RecordKind.Put or RecordKind.Delete or RecordKind.Seal)
            || (body[1] & ~SyncPointFlag) != 0
            || (ulong)FixedBodySize + keyLength + valueLength != bodyLength)
        {
            return DecodeStatus.Corrupt;
        }

        var stored = BinaryPrimitives.ReadUInt32LittleEndian(source[(LengthPrefixSize + (int)bodyLength)..]);
        if (Crc32C.Compute(body) != stored)
        {
            return DecodeStatus.Corrupt;
        }

        var keyStart = LengthPrefixSize + FixedBodySize;
        record = new LogRecord(
            BinaryPrimitives.ReadInt64LittleEndian(body[2..]),
            kind,
            new RecordVersion(BinaryPrimitives.ReadUInt64LittleEndian(body[10..]), BinaryPrimitives.ReadUInt64LittleEndian(body[18..])),
            (body[1] & SyncPointFlag) != 0,
            backing.Slice(keyStart, (int)keyLength),
            backing.Slice(keyStart + (int)keyLength, (int)valueLength));
        consumed = total;
        fingerprint = stored;
        return DecodeStatus.Ok;
    }
}

/// <summary>Outcome of decoding one record from a byte range.</summary>
public enum DecodeStatus
{
    /// <summary>A whole record with a matching checksum.</summary>
    Ok,

    /// <summary>The range ends inside a record: a torn write at the tail, or more bytes are still to come.</summary>
    Incomplete,

    /// <summary>The bytes cannot be a record: impossible lengths, an unknown kind, or a checksum mismatch.</summary>
    Corrupt,
}
