using Orleans.Runtime.Placement;

namespace OrleansRepl.Placement;

/// <summary>
/// Chooses for <see cref="AwayFromLeadersPlacement"/>, by membership as it stands at the call, and by the shards each
/// node leads as a moving grain handed them (<see cref="LeadershipHints"/>) or else as this silo's
/// <see cref="ILeadershipView"/> last heard.
/// </summary>
public sealed class AwayFromLeadersPlacementDirector(IClusterMembershipService membership, ILocalSiloDetails local, LeadershipHints hints, ILeadershipView? view = null) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var candidates = LeastLeadingSilo.Active(membership, context.GetCompatibleSilos(target).ToHashSet());
        if (candidates.Count == 0)
        {
            throw new OrleansException($"no active silo to place {target.GrainIdentity} on");
        }

        var replicaSet = target.GrainIdentity.Key.ToString()!;
        var shardsLed = hints.Of(replicaSet) ?? view?.ShardsLed(replicaSet);
        return Task.FromResult(LeastLeadingSilo.Choose(candidates, shardsLed, local.SiloAddress));
    }
}
