using Orleans.Placement;

namespace OrleansRepl.Placement;

/// <summary>
/// Places a grain on the silo of the node its key names: the part of the key before the first <c>/</c>, or the
/// whole key when it has none. A silo's node is its <c>SiloOptions.SiloName</c>. There is no fallback: while that
/// node has no active silo, activating the grain fails with <see cref="NodeUnavailableException"/>.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class NodeAffinePlacement : PlacementStrategy
{
    internal static NodeAffinePlacement Singleton { get; } = new();

    /// <summary>The node a grain key belongs to.</summary>
    public static string NodeOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? key : key[..slash];
    }
}

/// <summary>Marks a grain class as node-affine (<see cref="NodeAffinePlacement"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class NodeAffinePlacementAttribute() : PlacementAttribute(NodeAffinePlacement.Singleton);
