namespace OrleansRepl.Placement;

public static class NodeAffinePlacementExtensions
{
    /// <summary>Registers the director of <see cref="NodeAffinePlacement"/>; grain classes opt in with <see cref="NodeAffinePlacementAttribute"/>.</summary>
    public static ISiloBuilder AddNodeAffinePlacement(this ISiloBuilder silo) =>
        silo.AddPlacementDirector<NodeAffinePlacement, NodeAffinePlacementDirector>();
}
