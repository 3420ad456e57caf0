using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage.Merkle;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>
/// What a peer says of its tree must be a tree: its children's counts add up to what their parent claimed, a list
/// holds exactly the segments its node claimed, each one once and under that node. A descent that checks this
/// visits at most the claimed segments times the depth, and holds at most the claimed segments, so the root's
/// count (capped by <see cref="AntiEntropyOptions.MaxPeerSegments"/>) bounds all it costs.
/// </summary>
internal static class PeerTreeCheck
{
    public static void Root(Root root, int maxPeerSegments)
    {
        if (root.SegmentCount > maxPeerSegments)
        {
            throw new MalformedMessageException($"Root: the peer claims {root.SegmentCount} segments, more than the {maxPeerSegments} this node pulls from one peer (AntiEntropy:MaxPeerSegments)");
        }
    }

    public static void Children(TreePath path, int claimed, IReadOnlyList<TreeNode> children)
    {
        var sum = 0L;
        for (var digit = 0; digit < children.Count; digit++)
        {
            var child = children[digit];
            sum += child.Count;
            if (child.Count == 1 && !path.Child(digit).Covers(child.Hash))
            {
                throw new MalformedMessageException($"Children of {path}: child {digit} is the single segment {child.Hash}, which does not belong under {path.Child(digit)}");
            }
        }

        if (sum != claimed)
        {
            throw new MalformedMessageException($"Children of {path}: their counts add up to {sum} segments, but {path} was said to cover {claimed}");
        }
    }

    public static void List(TreePath path, int claimed, IReadOnlyList<Blake3Hash> hashes)
    {
        if (hashes.Count != claimed)
        {
            throw new MalformedMessageException($"SegmentList of {path}: {hashes.Count} segments, but {path} was said to cover {claimed}");
        }

        var seen = new HashSet<Blake3Hash>(hashes.Count);
        foreach (var hash in hashes)
        {
            if (!path.Covers(hash))
            {
                throw new MalformedMessageException($"SegmentList of {path}: segment {hash} does not belong under {path}");
            }

            if (!seen.Add(hash))
            {
                throw new MalformedMessageException($"SegmentList of {path}: segment {hash} is listed twice");
            }
        }
    }
}
