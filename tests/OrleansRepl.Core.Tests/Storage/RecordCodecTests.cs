using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Tests.Storage;

public sealed class RecordCodecTests
{
    private const int MaxBody = 1 << 20;

    [Fact]
    public void EncodeThenDecode_RoundTripsEveryField()
    {
        var record = new LogRecord(42, RecordKind.Put, new RecordVersion(123456789, 7), SyncPoint: true, "key"u8.ToArray(), "value"u8.ToArray());
        var bytes = new byte[RecordCodec.EncodedLength(record)];
        var fingerprint = RecordCodec.Encode(record, bytes);

        Assert.Equal(DecodeStatus.Ok, RecordCodec.TryDecode(bytes, MaxBody, out var decoded, out var consumed, out var decodedFingerprint));
        Assert.Equal(bytes.Length, consumed);
        Assert.Equal(fingerprint, decodedFingerprint);
        Assert.Equal((record.Lsn, record.Kind, record.Version, record.SyncPoint), (decoded.Lsn, decoded.Kind, decoded.Version, decoded.SyncPoint));
        Assert.Equal(record.Key.ToArray(), decoded.Key.ToArray());
        Assert.Equal(record.Value.ToArray(), decoded.Value.ToArray());
    }

    [Fact]
    public void EveryStrictPrefix_IsIncomplete_NeverARecord()
    {
        var bytes = Encode(LogRecord.Put(1, new RecordVersion(1, 1), "k"u8.ToArray(), new byte[100]));
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Equal(DecodeStatus.Incomplete, RecordCodec.TryDecode(bytes.AsMemory(0, length), MaxBody, out _, out _, out _));
        }
    }

    [Fact]
    public void AnySingleFlippedBit_IsDetected()
    {
        var bytes = Encode(LogRecord.Delete(9, new RecordVersion(5, 2), "some key"u8.ToArray()));
        for (var bit = 0; bit < bytes.Length * 8; bit++)
        {
            var damaged = (byte[])bytes.Clone();
            damaged[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.NotEqual(DecodeStatus.Ok, RecordCodec.TryDecode(damaged, MaxBody, out _, out _, out _));
        }
    }

    [Fact]
    public void LengthPrefixBeyondTheCap_IsCorrupt_BeforeAnythingIsRead()
    {
        var bytes = Encode(LogRecord.Put(1, new RecordVersion(1, 1), "k"u8.ToArray(), new byte[1000]));
        Assert.Equal(DecodeStatus.Corrupt, RecordCodec.TryDecode(bytes, maxBodyLength: 500, out _, out _, out _));
    }

    [Fact]
    public void EncodingHoldsNoNodeLocalFields_SameRecordSameBytes()
    {
        var record = LogRecord.Put(3, new RecordVersion(10, 4), "a"u8.ToArray(), "b"u8.ToArray());
        Assert.Equal(Encode(record), Encode(record with { Key = "a"u8.ToArray(), Value = "b"u8.ToArray() }));
    }

    private static byte[] Encode(in LogRecord record)
    {
        var bytes = new byte[RecordCodec.EncodedLength(record)];
        RecordCodec.Encode(record, bytes);
        return bytes;
    }
}
