namespace OrleansRepl.Hosting.Placement;

/// <summary>
/// Node-affine placement: a key <c>{node}/…</c> belongs to that node's silo. A key without a node (a replica-set
/// grain, say) belongs to the configured home node. If the home node's silo is dead, such grains are unavailable
/// until it is back or the home node is reconfigured to another node: their state is in the shared database, so
/// the new home activates them from it (the single-activation guarantee holds because only one node is home).
/// </summary>
public static class GrainPlacement
{
    /// <summary>The node a key names, or null when it names none.</summary>
    public static string? NodeOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? key[..slash] : null;
    }

    /// <summary>Where a grain with <paramref name="key"/> lives: its own node, else <paramref name="homeNode"/>.</summary>
    public static string? OwnerOf(string key, string? homeNode) => NodeOf(key) ?? homeNode;
}
