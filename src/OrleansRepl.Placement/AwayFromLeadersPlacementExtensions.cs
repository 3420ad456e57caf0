using Microsoft.Extensions.DependencyInjection;

namespace OrleansRepl.Placement;

public static class AwayFromLeadersPlacementExtensions
{
    /// <summary>
    /// Registers the director of <see cref="AwayFromLeadersPlacement"/> (grain classes opt in with
    /// <see cref="AwayFromLeadersPlacementAttribute"/>). The silo supplies an <see cref="ILeadershipView"/>; without
    /// one, every node counts as leading nothing and the placing silo is chosen.
    /// </summary>
    public static ISiloBuilder AddAwayFromLeadersPlacement(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton<LeadershipHints>();
        return silo.AddPlacementDirector<AwayFromLeadersPlacement, AwayFromLeadersPlacementDirector>();
    }
}
