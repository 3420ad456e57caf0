using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Merkle;

namespace OrleansRepl.Core.Tests.Storage.Merkle;

public sealed class SegmentSetTreeTests
{
    [Fact]
    public void EmptySet_HasTheZeroRoot_AndOneSegment_IsItsOwnRoot()
    {
        Assert.Equal(default, new SegmentSetTree([]).Root);
        var only = Blake3Hasher.Hash("segment"u8);
        Assert.Equal(only, new SegmentSetTree([only]).Root);
    }

    [Fact]
    public void Root_DependsOnTheSetOnly_NotOnOrderOrDuplicates()
    {
        var hashes = Hashes(300);
        var shuffled = hashes.OrderBy(_ => Guid.NewGuid()).Concat(hashes.Take(10)).ToList();
        Assert.Equal(new SegmentSetTree(hashes).Root, new SegmentSetTree(shuffled).Root);
    }

    [Fact]
    public void AddingOrRemovingAnySegment_ChangesTheRoot()
    {
        var hashes = Hashes(100);
        var root = new SegmentSetTree(hashes).Root;
        Assert.NotEqual(root, new SegmentSetTree(hashes.Skip(1)).Root);
        Assert.NotEqual(root, new SegmentSetTree(hashes.Append(Blake3Hasher.Hash("extra"u8))).Root);
    }

    [Fact]
    public void ChildrenOfANode_AreTheNodesOneDigitDeeper_AndADifferenceCanBeFoundByDescending()
    {
        var common = Hashes(500);
        var extra = Blake3Hasher.Hash("only on one side"u8);
        var mine = new SegmentSetTree(common.Append(extra));
        var theirs = new SegmentSetTree(common);

        // Descend from the root into the one child that differs until a node covers a single segment.
        var prefix = new List<byte>();
        while (mine.HashesUnder(prefix.Count, prefix.ToArray()).Count > 1)
        {
            var mineChildren = mine.Children(prefix.Count, prefix.ToArray());
            var theirChildren = theirs.Children(prefix.Count, prefix.ToArray());
            var differing = Enumerable.Range(0, 16).Where(d => mineChildren[d] != theirChildren[d]).ToList();
            Assert.Single(differing);
            Assert.Equal(mine.Node(prefix.Count + 1, [.. prefix, (byte)differing[0]]), mineChildren[differing[0]]);
            prefix.Add((byte)differing[0]);
        }

        Assert.Equal(extra, mine.Node(prefix.Count, prefix.ToArray()));
        Assert.True(prefix.Count <= 4, $"500 uniform hashes should separate within a few digits, took {prefix.Count}");
    }

    [Fact]
    public void ABadPrefix_IsRejected()
    {
        var tree = new SegmentSetTree(Hashes(3));
        Assert.Throws<ArgumentException>(() => tree.Node(2, [1]));
        Assert.Throws<ArgumentException>(() => tree.Node(1, [16]));
    }

    private static List<Blake3Hash> Hashes(int count) =>
        Enumerable.Range(0, count).Select(i => Blake3Hasher.Hash(BitConverter.GetBytes(i))).ToList();
}
