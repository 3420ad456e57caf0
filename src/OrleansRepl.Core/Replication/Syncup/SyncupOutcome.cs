namespace OrleansRepl.Core.Replication.Syncup;

/// <summary>Where syncup left the replica.</summary>
public abstract record SyncupOutcome
{
    private SyncupOutcome()
    {
    }

    /// <summary>
    /// Both logs hold <see cref="Lsn"/> identically (0: nothing in common, an empty replica). The replica
    /// rolls back to it and streams from <c>Lsn + 1</c>; <see cref="RollbackRecords"/> is how many it drops.
    /// </summary>
    public sealed record Matchpoint(long Lsn, long RollbackRecords) : SyncupOutcome;

    /// <summary>No usable matchpoint: the replica needs a snapshot. <see cref="Reason"/> says why, with the numbers.</summary>
    public sealed record NeedsRestore(long FailedLsn, string Reason) : SyncupOutcome;
}
