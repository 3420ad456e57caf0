using Orleans.Runtime.Placement;

namespace OrleansRepl.Placement;

/// <summary>
/// Chooses, among the silos compatible with the grain, the active one whose name is the grain's node. Membership
/// is read as it stands at the call, so a node that restarts on a new silo gets its grains back there.
/// </summary>
public sealed class NodeAffinePlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = target.GrainIdentity.Key.ToString()!;
        var node = NodeAffinePlacement.NodeOf(key);
        var members = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).ToList();
        var compatible = context.GetCompatibleSilos(target).ToHashSet();
        var home = members.FirstOrDefault(m => m.Name == node && compatible.Contains(m.SiloAddress));
        return home is not null
            ? Task.FromResult(home.SiloAddress)
            : throw new NodeUnavailableException(node, target.GrainIdentity.ToString(), members.Select(m => m.Name).Order(StringComparer.Ordinal));
    }
}
