using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage.Merkle;

namespace OrleansRepl.Core.Tests.Protocol;

public sealed class AntiEntropyMessageTests
{
    private static readonly Blake3Hash SomeHash = Blake3Hasher.Hash("segment"u8);

    [Fact]
    public void EveryMessage_RoundTrips()
    {
        Assert.Equal(new Root(SomeHash, 10_000), Decode(new Root(SomeHash, 10_000)));
        Assert.Equal(new SegmentRequest(SomeHash), Decode(new SegmentRequest(SomeHash)));
        Assert.Equal(new SegmentNotFound(SomeHash), Decode(new SegmentNotFound(SomeHash)));
        Assert.Equal([3, 15, 0], Decode(new ChildrenRequest(new TreePath(new byte[] { 3, 15, 0 }))).Node.Digits.ToArray());
        Assert.Equal(0, Decode(new ListRequest(TreePath.Root)).Node.Depth);

        var nodes = Enumerable.Range(0, SegmentSetTree.Fanout).Select(i => new TreeNode(Blake3Hasher.Hash([(byte)i]), i * 3)).ToArray();
        Assert.Equal(nodes, Decode(new Children(nodes)).Nodes);
        Assert.Equal([SomeHash, default], Decode(new SegmentList([SomeHash, default])).Hashes);

        var chunk = Decode(new SegmentChunk(SomeHash, 10, 4, new byte[] { 1, 2, 3, 4, 5, 6 }, Last: true));
        Assert.Equal((10L, 4L, true), (chunk.TotalLength, chunk.Offset, chunk.Last));
        Assert.Equal([1, 2, 3, 4, 5, 6], chunk.Data.ToArray());
    }

    [Theory]
    [InlineData(new byte[] { 64 }, "at depth 0..63, got 64")]
    [InlineData(new byte[] { 2, 1, 16 }, "prefix digits are 0..15, got 16")]
    [InlineData(new byte[] { 3, 1, 2 }, "ChildrenRequest.prefix: needs 3 bytes")]
    public void ATreePathFromAPeer_IsCheckedBeforeUse(byte[] payload, string expected)
    {
        var error = Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<ChildrenRequest>(new Frame(MessageType.ChildrenRequest, payload)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void APieceThatDoesNotFitItsSegment_OrAListThatOverstatesItsCount_IsRejected()
    {
        var overrun = ProtocolMessage.Encode(new SegmentChunk(SomeHash, 5, 4, new byte[] { 1, 2 }, Last: true));
        Assert.Contains("2 bytes at offset 4 do not fit a 5-byte segment", Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<SegmentChunk>(new Frame(MessageType.SegmentChunk, overrun))).Message);

        var notLast = ProtocolMessage.Encode(new SegmentChunk(SomeHash, 6, 4, new byte[] { 1, 2 }, Last: false));
        Assert.Contains("(last = 0)", Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<SegmentChunk>(new Frame(MessageType.SegmentChunk, notLast))).Message);

        var empty = ProtocolMessage.Encode(new SegmentChunk(SomeHash, 6, 4, ReadOnlyMemory<byte>.Empty, Last: false));
        Assert.Contains("an empty chunk at offset 4 of a 6-byte segment that is not the last", Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<SegmentChunk>(new Frame(MessageType.SegmentChunk, empty))).Message);
        Assert.True(Decode(new SegmentChunk(SomeHash, 0, 0, ReadOnlyMemory<byte>.Empty, Last: true)).Last); // an empty segment is one empty, last chunk

        var lying = new byte[] { 0xFF, 0xFF, 0x00, 0x00 };
        Assert.Contains("65535 hashes (at most 65536) cannot fit in the 0 bytes", Assert.Throws<MalformedMessageException>(() => ProtocolMessage.Decode<SegmentList>(new Frame(MessageType.SegmentList, lying))).Message);
    }

    private static T Decode<T>(T message)
        where T : struct, IProtocolMessage<T> => ProtocolMessage.Decode<T>(new Frame(T.Type, ProtocolMessage.Encode(message)));
}
