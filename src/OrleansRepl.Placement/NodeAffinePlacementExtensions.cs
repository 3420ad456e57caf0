using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrleansRepl.Placement;

public static class NodeAffinePlacementExtensions
{
    /// <summary>
    /// Registers the director of <see cref="NodeAffinePlacement"/> (grain classes opt in with
    /// <see cref="NodeAffinePlacementAttribute"/>) and the guard that keeps a node to one live silo.
    /// </summary>
    public static ISiloBuilder AddNodeAffinePlacement(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, NodeNameGuard>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        return silo.AddPlacementDirector<NodeAffinePlacement, NodeAffinePlacementDirector>();
    }
}
