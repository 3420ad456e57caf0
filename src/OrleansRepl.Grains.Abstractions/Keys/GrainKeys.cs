using System.Globalization;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Grains.Keys;

/// <summary>
/// The key of <c>IShardGrain</c>: <c>{node}/{shard}</c>. Node-affine: it lives on <see cref="Node"/>'s silo.
/// Node ids are checked like every peer-supplied name, so a key never smuggles a separator or a path.
/// </summary>
public readonly record struct ShardKey(string Node, int Shard)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{GrainKeyParts.Checked(Node)}/{Shard}");

    /// <summary>Reads a key made by <see cref="ToString"/>; anything else is refused, naming it.</summary>
    public static ShardKey Parse(string key)
    {
        var (node, rest) = GrainKeyParts.Split(key, "shard grain");
        return int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            ? new ShardKey(node, shard)
            : throw new FormatException($"shard grain key \"{key}\" does not end in a shard number");
    }
}

/// <summary>The key of <c>IPeerGrain</c>: <c>{node}/{peer}</c>, the anti-entropy cursor of <see cref="Node"/> pulling from <see cref="Peer"/>.</summary>
public readonly record struct PeerKey(string Node, string Peer)
{
    public override string ToString() => $"{GrainKeyParts.Checked(Node)}/{GrainKeyParts.Checked(Peer)}";

    public static PeerKey Parse(string key)
    {
        var (node, peer) = GrainKeyParts.Split(key, "peer grain");
        return new PeerKey(node, GrainKeyParts.Checked(peer));
    }
}

/// <summary>The key of <c>INodeGrain</c>: <c>{node}/node</c>.</summary>
public readonly record struct NodeKey(string Node)
{
    public override string ToString() => $"{GrainKeyParts.Checked(Node)}/node";

    public static NodeKey Parse(string key)
    {
        var (node, rest) = GrainKeyParts.Split(key, "node grain");
        return rest == "node" ? new NodeKey(node) : throw new FormatException($"node grain key \"{key}\" does not end in /node");
    }
}

/// <summary>The key of <c>IBootstrapGrain</c>: the node id itself.</summary>
public readonly record struct BootstrapKey(string Node)
{
    public override string ToString() => GrainKeyParts.Checked(Node);
}

internal static class GrainKeyParts
{
    public static string Checked(string node) => SafeName.Check(node, "node id");

    public static (string Node, string Tail) Split(string key, string what)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < key.Length - 1
            ? (Checked(key[..slash]), key[(slash + 1)..])
            : throw new FormatException($"{what} key \"{key}\" is not node/part");
    }
}
