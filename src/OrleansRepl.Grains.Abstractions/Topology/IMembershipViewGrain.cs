namespace OrleansRepl.Grains.Topology;

/// <summary>
/// The nodes with an active silo, as the silo that answers sees its cluster membership: the same view its placement
/// reads when it activates a node's grains there. A client's call is answered by its gateway silo, so a node listed
/// here is one whose node-affine grains that gateway can place. One activation per silo (key 0), nothing durable.
/// </summary>
public interface IMembershipViewGrain : IGrainWithIntegerKey
{
    /// <summary>The names of the nodes whose silo is active, in ordinal order.</summary>
    Task<string[]> ActiveNodesAsync();
}
