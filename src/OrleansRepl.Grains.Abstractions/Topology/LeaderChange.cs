namespace OrleansRepl.Grains.Topology;

/// <summary>
/// The last change of leaders, automatic or asked for: when, why, and per shard who led it, who leads it now, and
/// how far each had reported its log. <see cref="LeaderMove.Unreplicated"/> counts the records the old leader had
/// reported beyond what the new one held: written but never acknowledged by a follower (a failover never moves a
/// shard to a node lacking an acknowledged write, unless forced), and rolled back when the old leader rejoins.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LeaderChange(DateTimeOffset At, string Reason, long Epoch, bool Automatic, bool Forced, LeaderMove[] Moves);

/// <summary>One shard's move: from <see cref="From"/> (last reported through <see cref="FromLsn"/>; null when unknown) to <see cref="To"/> (holding <see cref="ToLsn"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record LeaderMove(int Shard, string From, string To, long? FromLsn, long? ToLsn)
{
    /// <summary>Records the old leader had and the new one lacked, as last reported; null when either did not report.</summary>
    public long? Unreplicated => FromLsn is { } from && ToLsn is { } to ? Math.Max(0, from - to) : null;
}
