using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Merkle;

namespace OrleansRepl.Core.Protocol.Messages;

/// <summary>
/// A node of the segment-set tree on the wire: <c>u8 depth | depth digits, each 0..15</c>. Digits arrive from
/// a peer, so both the depth and every digit are checked before use.
/// </summary>
public readonly record struct TreePath(ReadOnlyMemory<byte> Digits)
{
    public static TreePath Root => new(ReadOnlyMemory<byte>.Empty);

    public int Depth => Digits.Length;

    public TreePath Child(int digit)
    {
        var digits = new byte[Depth + 1];
        Digits.Span.CopyTo(digits);
        digits[Depth] = (byte)digit;
        return new TreePath(digits);
    }

    /// <summary>Whether the segment <paramref name="hash"/> belongs under this node: its leading digits are this path's.</summary>
    public bool Covers(Blake3Hash hash)
    {
        Span<byte> bytes = stackalloc byte[Blake3Hash.Size];
        hash.CopyTo(bytes);
        var digits = Digits.Span;
        for (var depth = 0; depth < digits.Length; depth++)
        {
            if (SegmentSetTree.Digit(bytes, depth) != digits[depth])
            {
                return false;
            }
        }

        return true;
    }

    public override string ToString() => Depth == 0 ? "root" : string.Concat(Digits.ToArray().Select(d => "0123456789abcdef"[d]));

    internal void Write(PayloadWriter writer) => writer.UInt8((byte)Depth).Fixed(Digits.Span);

    internal static TreePath Read(ref PayloadReader reader, string message)
    {
        var depth = reader.UInt8("depth");
        if (depth >= SegmentSetTree.MaxDepth)
        {
            throw new MalformedMessageException($"{message}: a tree node to expand or list is at depth 0..{SegmentSetTree.MaxDepth - 1}, got {depth}");
        }

        var digits = reader.Fixed("prefix", depth);
        foreach (var digit in digits.Span)
        {
            if (digit >= SegmentSetTree.Fanout)
            {
                throw new MalformedMessageException($"{message}: prefix digits are 0..15, got {digit}");
            }
        }

        return new TreePath(digits);
    }
}

/// <summary>Puller → peer: your segment-set root. Also opens an anti-entropy session.</summary>
public readonly record struct RootRequest : IProtocolMessage<RootRequest>
{
    public static MessageType Type => MessageType.RootRequest;

    public void Write(PayloadWriter writer)
    {
    }

    public static RootRequest Read(ref PayloadReader reader) => default;
}

/// <summary>Peer → puller: the root of the tree over every sealed segment it holds, and how many there are.</summary>
public readonly record struct Root(Blake3Hash Hash, int SegmentCount) : IProtocolMessage<Root>
{
    public static MessageType Type => MessageType.Root;

    public void Write(PayloadWriter writer)
    {
        writer.Hash(Hash).UInt32((uint)SegmentCount);
    }

    public static Root Read(ref PayloadReader reader) =>
        new(reader.Hash("hash"), (int)Math.Min(reader.UInt32("segment count"), int.MaxValue));
}

/// <summary>Puller → peer: the 16 children of a node.</summary>
public readonly record struct ChildrenRequest(TreePath Node) : IProtocolMessage<ChildrenRequest>
{
    public static MessageType Type => MessageType.ChildrenRequest;

    public void Write(PayloadWriter writer) => Node.Write(writer);

    public static ChildrenRequest Read(ref PayloadReader reader) => new(TreePath.Read(ref reader, "ChildrenRequest"));
}

/// <summary>Peer → puller: 16 × (hash, segments covered), in digit order.</summary>
public readonly record struct Children(IReadOnlyList<TreeNode> Nodes) : IProtocolMessage<Children>
{
    public static MessageType Type => MessageType.Children;

    public void Write(PayloadWriter writer)
    {
        if (Nodes.Count != SegmentSetTree.Fanout)
        {
            throw new ArgumentException($"a node has {SegmentSetTree.Fanout} children, got {Nodes.Count}");
        }

        foreach (var node in Nodes)
        {
            writer.Hash(node.Hash).UInt32((uint)node.Count);
        }
    }

    public static Children Read(ref PayloadReader reader)
    {
        var nodes = new TreeNode[SegmentSetTree.Fanout];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = new TreeNode(reader.Hash("child hash"), (int)Math.Min(reader.UInt32("child count"), int.MaxValue));
        }

        return new Children(nodes);
    }
}

/// <summary>Puller → peer: every segment hash under a node (asked when the node covers few segments).</summary>
public readonly record struct ListRequest(TreePath Node) : IProtocolMessage<ListRequest>
{
    public static MessageType Type => MessageType.ListRequest;

    public void Write(PayloadWriter writer) => Node.Write(writer);

    public static ListRequest Read(ref PayloadReader reader) => new(TreePath.Read(ref reader, "ListRequest"));
}

/// <summary>Peer → puller: <c>u32 count | count × 32-byte hashes</c>, sorted.</summary>
public readonly record struct SegmentList(IReadOnlyList<Blake3Hash> Hashes) : IProtocolMessage<SegmentList>
{
    /// <summary>The most hashes one list carries (2 MiB of them); a node covering more is descended instead.</summary>
    public const int MaxHashes = 65_536;

    public static MessageType Type => MessageType.SegmentList;

    public void Write(PayloadWriter writer)
    {
        writer.UInt32((uint)Hashes.Count);
        foreach (var hash in Hashes)
        {
            writer.Hash(hash);
        }
    }

    public static SegmentList Read(ref PayloadReader reader)
    {
        var count = reader.UInt32("hash count");
        if (count > MaxHashes || count > (uint)reader.Remaining / Blake3Hash.Size)
        {
            throw new MalformedMessageException($"SegmentList: {count} hashes (at most {MaxHashes}) cannot fit in the {reader.Remaining} bytes that follow");
        }

        var hashes = new Blake3Hash[count];
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = reader.Hash("hash");
        }

        return new SegmentList(hashes);
    }
}

/// <summary>Puller → peer: send the sealed segment with this content hash.</summary>
public readonly record struct SegmentRequest(Blake3Hash Hash) : IProtocolMessage<SegmentRequest>
{
    public static MessageType Type => MessageType.SegmentRequest;

    public void Write(PayloadWriter writer) => writer.Hash(Hash);

    public static SegmentRequest Read(ref PayloadReader reader) => new(reader.Hash("hash"));
}

/// <summary>
/// Peer → puller: one piece of a segment, <c>hash | u64 total length | u64 offset | u32 length | bytes | u8 last</c>.
/// Segments can be larger than a frame, so they travel in pieces, in order.
/// </summary>
public readonly record struct SegmentChunk(Blake3Hash Hash, long TotalLength, long Offset, ReadOnlyMemory<byte> Data, bool Last) : IProtocolMessage<SegmentChunk>
{
    public static MessageType Type => MessageType.SegmentChunk;

    public void Write(PayloadWriter writer) => writer.Hash(Hash).Int64(TotalLength).Int64(Offset).Bytes(Data.Span).UInt8(Last ? (byte)1 : (byte)0);

    public static SegmentChunk Read(ref PayloadReader reader)
    {
        var hash = reader.Hash("hash");
        var total = reader.Int64("total length");
        var offset = reader.Int64("offset");
        var data = reader.Bytes("data", reader.Remaining);
        var last = reader.UInt8("last");
        if (total < 0 || offset < 0 || offset + data.Length > total || last > 1 || (last == 1) != (offset + data.Length == total))
        {
            throw new MalformedMessageException($"SegmentChunk: {data.Length} bytes at offset {offset} do not fit a {total}-byte segment (last = {last})");
        }

        if (data.Length == 0 && last == 0)
        {
            // An empty chunk that is not the last moves nothing: a peer sending them could hold a pull open forever.
            throw new MalformedMessageException($"SegmentChunk: an empty chunk at offset {offset} of a {total}-byte segment that is not the last");
        }

        return new SegmentChunk(hash, total, offset, data, last == 1);
    }
}

/// <summary>Peer → puller: it does not hold that segment (any more).</summary>
public readonly record struct SegmentNotFound(Blake3Hash Hash) : IProtocolMessage<SegmentNotFound>
{
    public static MessageType Type => MessageType.SegmentNotFound;

    public void Write(PayloadWriter writer) => writer.Hash(Hash);

    public static SegmentNotFound Read(ref PayloadReader reader) => new(reader.Hash("hash"));
}
