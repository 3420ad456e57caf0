namespace OrleansRepl.Grains.Topology;

/// <summary>
/// The limits of a leader's lease. A leader takes writes only while its lease holds; it renews every third of the
/// lease, and counts the lease from the moment it asked, on its own monotonic clock. The replica set grain counts
/// the same lease from the moment it granted it, plus <see cref="Drift"/>: so long as no two clocks run more than a
/// tenth apart in rate, the leader has stopped before the grain lets another node lead its shards.
/// </summary>
public static class LeaseLength
{
    public const int DefaultMilliseconds = 5_000;

    public const int MinMilliseconds = 500;

    public const int MaxMilliseconds = 120_000;

    /// <summary>What the grain adds to a lease it granted before it counts it as lapsed: a tenth of the lease, for clocks that do not run at quite the same rate.</summary>
    public static TimeSpan Drift(TimeSpan lease) => lease / 10;

    /// <summary>How often a leader renews: a third of the lease, so two renewals may fail before it lapses.</summary>
    public static TimeSpan RenewEvery(TimeSpan lease) => lease / 3;
}
