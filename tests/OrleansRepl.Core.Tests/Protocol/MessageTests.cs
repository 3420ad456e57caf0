using System.Text;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Tests.Protocol;

public sealed class MessageTests
{
    [Fact]
    public void EveryMessage_RoundTrips()
    {
        RoundTrip(new SyncRequest(3, 1, SyncFlags.EmptyState, 7, 4));
        RoundTrip(new ShardInfo(4, 9, 1, 12345));
        RoundTrip(new Ack(100, 5000, new RecordVersion(123, 4)));
        RoundTrip(new Heartbeat(77));
        RoundTrip(new CaughtUp(88));
        RoundTrip(new EntryRequest(42));
        RoundTrip(new Entry(42, 0xDEADBEEF));
        RoundTrip(default(EntryNotFound));
        RoundTrip(new AlternateMatchpoint(40, 7));
        RoundTrip(new StartStream(43));
        RoundTrip(new RestoreRequest(44));
        RoundTrip(default(RestoreResponse));
        RoundTrip(new ErrorMessage(ErrorCode.Epoch, "epoch 3 is older than 5"));

        var hello = Decode(new Hello(1, "cluster-ä", "node-1", new byte[32], Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(("cluster-ä", "node-1"), (hello.ClusterId, hello.NodeId));
        Assert.Equal(31, hello.Proof.Span[31]);
    }

    [Fact]
    public void ABatch_CarriesRecordsInTheirStorageEncoding_SealsIncluded()
    {
        var records = new List<LogRecord>
        {
            LogRecord.Put(10, new RecordVersion(1, 2), "k"u8.ToArray(), "v"u8.ToArray()),
            LogRecord.Delete(11, new RecordVersion(3, 2), "k"u8.ToArray(), syncPoint: false),
            LogRecord.Seal(12, new RecordVersion(4, 2)),
        };
        var chunk = LogChunk.Encode(records);
        var sent = Decode(new Batch(chunk)).Records;
        Assert.Equal((10L, 3, 12L), (sent.FirstLsn, sent.Count, sent.LastLsn));
        Assert.Equal(chunk.Bytes.ToArray(), sent.Bytes.ToArray());

        var decoded = sent.Decode(int.MaxValue);
        Assert.Equal(records.Select(r => (r.Lsn, r.Kind, r.Version, r.SyncPoint)), decoded.Select(r => (r.Lsn, r.Kind, r.Version, r.SyncPoint)));
        Assert.Equal("v", Encoding.UTF8.GetString(decoded[0].Value.Span));
    }

    [Fact]
    public void ATruncatedPayload_NamesTheMessageTheFieldAndTheByteCounts()
    {
        var payload = ProtocolMessage.Encode(new ShardInfo(4, 9, 1, 12345));
        var error = Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<ShardInfo>(new Frame(MessageType.ShardInfo, payload[..20])));
        Assert.Contains("ShardInfo.next lsn: needs 8 bytes at offset 20, 0 remain of a 20-byte payload", error.Message);
    }

    [Fact]
    public void ExtraBytes_ABatchThatOverstatesItsCount_AndTheWrongType_AreRejected()
    {
        var padded = ProtocolMessage.Encode(new Heartbeat(1)).Concat(new byte[3]).ToArray();
        Assert.Contains("3 unexpected bytes", Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<Heartbeat>(new Frame(MessageType.Heartbeat, padded))).Message);

        var lying = new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x7F };
        Assert.Contains("2147483647 records cannot fit in the 0 bytes", Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<Batch>(new Frame(MessageType.Batch, lying))).Message);
        var empty = new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
        Assert.Contains("0 records cannot fit", Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<Batch>(new Frame(MessageType.Batch, empty))).Message);
        var lsnZero = new byte[12];
        Assert.Contains("first LSN must be at least 1, got 0", Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<Batch>(new Frame(MessageType.Batch, lsnZero))).Message);

        var unexpected = Assert.Throws<UnexpectedMessageException>(() => ProtocolMessage.Decode<Ack>(new Frame(MessageType.Heartbeat, ProtocolMessage.Encode(new Heartbeat(1)))));
        Assert.Contains("unexpected Heartbeat frame; expected Ack", unexpected.Message);
    }

    [Fact]
    public void AnErrorFrame_WhereAnotherWasExpected_SurfacesThePeersReason()
    {
        var error = ProtocolMessage.Encode(new ErrorMessage(ErrorCode.Shard, "shard 9 does not exist"));
        var remote = Assert.Throws<RemoteErrorException>(() => ProtocolMessage.Decode<ShardInfo>(new Frame(MessageType.Error, error)));
        Assert.Equal(ErrorCode.Shard, remote.Code);
        Assert.Contains("shard 9 does not exist", remote.Message);
    }

    [Fact]
    public void AnEmptySnapshotPieceThatIsNotTheLast_IsRejected_AnEmptyLastOneIsNot()
    {
        var piece = new SnapshotPiece(new OrleansRepl.Core.Replication.Bootstrap.SnapshotEnvelope("c", "n", "t", [5], 100, default, 40, ReadOnlyMemory<byte>.Empty, Done: false));
        var error = Assert.Throws<MalformedMessageException>(() => Decode(piece));
        Assert.Contains("an empty piece at offset 40 of a 100-byte snapshot that is not the last", error.Message);
        Assert.True(Decode(piece with { Envelope = piece.Envelope with { Offset = 100, Done = true } }).Envelope.Done);
    }

    private static void RoundTrip<T>(T message)
        where T : struct, IProtocolMessage<T> => Assert.Equal(message, Decode(message));

    private static T Decode<T>(T message)
        where T : struct, IProtocolMessage<T> => ProtocolMessage.Decode<T>(new Frame(T.Type, ProtocolMessage.Encode(message)));
}
