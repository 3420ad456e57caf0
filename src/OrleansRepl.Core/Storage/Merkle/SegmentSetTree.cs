using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Storage.Merkle;

/// <summary>
/// The fixed-fanout prefix tree over a set of segment hashes that anti-entropy compares and descends.
/// The node at depth d with prefix p covers the hashes whose first d hex digits are p. Its hash is
/// all zeros when it covers none, the segment's own hash when it covers one (so the tree is only as deep
/// as it needs to be), and otherwise the keyed BLAKE3 of its 16 children's hashes, in digit order.
/// Equal sets give equal roots whatever order they were built in; any difference changes the root.
/// </summary>
public sealed class SegmentSetTree
{
    public const int Fanout = 16;

    /// <summary>Hex digits in a hash: the deepest a node can be.</summary>
    public const int MaxDepth = 64;

    private static readonly byte[] NodeKey = DeriveKey("OrleansRepl 2026-11-22 segment-set Merkle node");

    private readonly byte[][] _sorted;

    public SegmentSetTree(IEnumerable<Blake3Hash> hashes)
    {
        _sorted = hashes.Select(h => h.ToArray()).ToArray();
        Array.Sort(_sorted, static (left, right) => left.AsSpan().SequenceCompareTo(right));
        _sorted = _sorted.Where((h, i) => i == 0 || !h.AsSpan().SequenceEqual(_sorted[i - 1])).ToArray();
    }

    public int Count => _sorted.Length;

    public Blake3Hash Root => Node(0, []);

    /// <summary>The hash of the node at <paramref name="depth"/> whose prefix is <paramref name="prefix"/> (one hex digit, 0–15, per level).</summary>
    public Blake3Hash Node(int depth, ReadOnlySpan<byte> prefix)
    {
        var (from, to) = Range(depth, prefix);
        return NodeOf(from, to, depth);
    }

    /// <summary>The 16 children of a node, in digit order.</summary>
    public Blake3Hash[] Children(int depth, ReadOnlySpan<byte> prefix)
    {
        if (depth >= MaxDepth)
        {
            throw new ArgumentOutOfRangeException(nameof(depth), depth, $"a node at depth {MaxDepth} is a single segment and has no children");
        }

        Span<byte> childPrefix = stackalloc byte[depth + 1];
        prefix.CopyTo(childPrefix);
        var children = new Blake3Hash[Fanout];
        for (var digit = 0; digit < Fanout; digit++)
        {
            childPrefix[depth] = (byte)digit;
            children[digit] = Node(depth + 1, childPrefix);
        }

        return children;
    }

    /// <summary>
    /// The 16 children of a node with how many segments each covers, so a peer comparing them knows when a
    /// child is a single segment (its hash is the segment's) or small enough to list outright.
    /// </summary>
    public TreeNode[] ChildNodes(int depth, ReadOnlySpan<byte> prefix)
    {
        if (depth >= MaxDepth)
        {
            throw new ArgumentOutOfRangeException(nameof(depth), depth, $"a node at depth {MaxDepth} is a single segment and has no children");
        }

        var (from, to) = Range(depth, prefix);
        var children = new TreeNode[Fanout];
        var start = from;
        for (var digit = 0; digit < Fanout; digit++)
        {
            var (low, high) = DigitRange(start, to, depth, (byte)digit);
            children[digit] = new TreeNode(NodeOf(low, high, depth + 1), high - low);
            start = high;
        }

        return children;
    }

    /// <summary>The segment hashes under a node, for when a differing node is small enough to list outright.</summary>
    public IReadOnlyList<Blake3Hash> HashesUnder(int depth, ReadOnlySpan<byte> prefix)
    {
        var (from, to) = Range(depth, prefix);
        return _sorted[from..to].Select(h => new Blake3Hash(h)).ToList();
    }

    private (int From, int To) Range(int depth, ReadOnlySpan<byte> prefix)
    {
        if (depth is < 0 or > MaxDepth || prefix.Length != depth)
        {
            throw new ArgumentException($"a node at depth {depth} needs a prefix of {depth} hex digits, got {prefix.Length}");
        }

        foreach (var digit in prefix)
        {
            if (digit >= Fanout)
            {
                throw new ArgumentException($"prefix digits are 0..15, got {digit}");
            }
        }

        var from = 0;
        var to = _sorted.Length;
        for (var level = 0; level < depth; level++)
        {
            var (low, high) = DigitRange(from, to, level, prefix[level]);
            from = low;
            to = high;
        }

        return (from, to);
    }

    private Blake3Hash NodeOf(int from, int to, int depth)
    {
        var count = to - from;
        if (count == 0)
        {
            return default;
        }

        if (count == 1)
        {
            return new Blake3Hash(_sorted[from]);
        }

        Span<byte> children = stackalloc byte[Fanout * Blake3Hash.Size];
        var start = from;
        for (var digit = 0; digit < Fanout; digit++)
        {
            var (low, high) = DigitRange(start, to, depth, (byte)digit);
            NodeOf(low, high, depth + 1).CopyTo(children[(digit * Blake3Hash.Size)..]);
            start = high;
        }

        return Blake3Hasher.KeyedHash(NodeKey, children);
    }

    /// <summary>Within a sorted range whose members share their first <paramref name="depth"/> digits, the sub-range whose next digit is <paramref name="digit"/>.</summary>
    private (int From, int To) DigitRange(int from, int to, int depth, byte digit)
    {
        var low = from;
        while (low < to && Digit(_sorted[low], depth) < digit)
        {
            low++;
        }

        var high = low;
        while (high < to && Digit(_sorted[high], depth) == digit)
        {
            high++;
        }

        return (low, high);
    }

    /// <summary>The hex digit of <paramref name="hash"/> that places it among the children of a node at <paramref name="depth"/>.</summary>
    internal static byte Digit(ReadOnlySpan<byte> hash, int depth) =>
        (byte)((depth & 1) == 0 ? hash[depth >> 1] >> 4 : hash[depth >> 1] & 0x0F);

    internal static byte[] DeriveKey(string context)
    {
        var key = new byte[Blake3Hasher.KeySize];
        Blake3Hasher.DeriveKey(context, [], key);
        return key;
    }
}

/// <summary>One node of a <see cref="SegmentSetTree"/>: its hash and how many segments it covers.</summary>
public readonly record struct TreeNode(Blake3Hash Hash, int Count);
