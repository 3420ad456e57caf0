using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace OrleansRepl.Placement;

/// <summary>
/// Chooses for <see cref="AwayFromLeadersPlacement"/>, by membership as it stands at the call, and by the shards each
/// node leads as a moving grain handed them (<see cref="LeadershipHints"/>) or else as this silo's
/// <see cref="ILeadershipView"/> last heard.
/// </summary>
public sealed partial class AwayFromLeadersPlacementDirector(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    LeadershipHints hints,
    ILogger<AwayFromLeadersPlacementDirector> logger,
    ILeadershipView? view = null) : IPlacementDirector
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
        var hinted = hints.Of(replicaSet);
        var shardsLed = hinted ?? view?.ShardsLed(replicaSet);
        var chosen = LeastLeadingSilo.Choose(candidates, shardsLed, local.SiloAddress);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var counts = string.Join(", ", candidates.Select(c => $"{c.Node} {LeastLeadingSilo.Led(c.Node, shardsLed)}"));
            LogPlaced(logger, target.GrainIdentity.ToString(), candidates.First(c => c.Silo.Equals(chosen)).Node, counts, hinted is not null ? "handed by the moving grain" : view is not null ? "this silo's view" : "none");
        }

        return Task.FromResult(chosen);
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "placing {Grain} on node {Node}'s silo; shards led by the active silos' nodes: {Counts} (counts from {Source})")]
    private static partial void LogPlaced(ILogger logger, string grain, string node, string counts, string source);
}
