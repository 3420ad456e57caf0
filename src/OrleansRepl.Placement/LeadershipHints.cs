using System.Collections.Concurrent;

namespace OrleansRepl.Placement;

/// <summary>
/// The shards each node leads, as a replica set grain about to move handed them to its silo's director
/// (<see cref="AwayFromLeadersPlacementDirector"/>), so that the director chooses by the counts the grain chose by,
/// not by its silo's view, which the change that caused the move may not have reached yet. A hint lasts
/// <see cref="Lifetime"/>: long enough for the move, not for later placements.
/// </summary>
public sealed class LeadershipHints
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (IReadOnlyDictionary<string, int> ShardsLed, long At)> _handed = new(StringComparer.Ordinal);

    public void Hand(string replicaSet, IReadOnlyDictionary<string, int> shardsLed) => _handed[replicaSet] = (shardsLed, Environment.TickCount64);

    /// <summary>The counts handed for <paramref name="replicaSet"/> within <see cref="Lifetime"/>; null otherwise.</summary>
    public IReadOnlyDictionary<string, int>? Of(string replicaSet) =>
        _handed.TryGetValue(replicaSet, out var hint) && Environment.TickCount64 - hint.At <= (long)Lifetime.TotalMilliseconds ? hint.ShardsLed : null;
}
