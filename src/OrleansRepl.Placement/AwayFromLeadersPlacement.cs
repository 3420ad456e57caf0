using Orleans.Placement;

namespace OrleansRepl.Placement;

/// <summary>
/// Places a replica set's grain (keyed by the replica set's name) on the active silo whose node leads the fewest of
/// that set's shards, as the placing silo's <see cref="ILeadershipView"/> last heard: ideally a follower's, so that a
/// leader's silo that dies takes the leader alone, and the grain that fails it over is not lost with it. Ties go to
/// the placing silo, then to the first node by name.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class AwayFromLeadersPlacement : PlacementStrategy
{
    internal static AwayFromLeadersPlacement Singleton { get; } = new();
}

/// <summary>Marks a grain class keyed by a replica set's name as placed away from its leaders (<see cref="AwayFromLeadersPlacement"/>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AwayFromLeadersPlacementAttribute() : PlacementAttribute(AwayFromLeadersPlacement.Singleton);
