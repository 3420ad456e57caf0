namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>What a replica does at start-up about unfinished bootstraps.</summary>
public abstract record ResumeDecision
{
    private ResumeDecision()
    {
    }

    /// <summary>Nothing unfinished is this replica's: a bootstrap, if one is wanted, starts fresh.</summary>
    public sealed record Nothing : ResumeDecision;

    /// <summary>Exactly one unfinished intent is this replica's and it has a checkpoint: continue it.</summary>
    public sealed record Resume(UnfinishedIntent Intent, BootstrapCheckpoint From) : ResumeDecision;

    /// <summary>This replica's unfinished intents cannot be resumed safely; start fresh and say why.</summary>
    public sealed record Fresh(string Reason, IReadOnlyList<UnfinishedIntent> Dangling) : ResumeDecision;
}

/// <summary>
/// The single-resumer policy: a node resumes only its own intent, and only when exactly one of
/// its intents is unfinished and that one has a checkpoint. Other replicas' intents are never touched.
/// </summary>
public static class BootstrapResume
{
    public static ResumeDecision Decide(IReadOnlyList<UnfinishedIntent> unfinished, string replica)
    {
        ArgumentNullException.ThrowIfNull(unfinished);
        var mine = unfinished.Where(u => u.Replica == replica).ToList();
        return mine switch
        {
            [] => new ResumeDecision.Nothing(),
            [{ LastCheckpoint: { } checkpoint } only] => new ResumeDecision.Resume(only, checkpoint),
            [var only] => new ResumeDecision.Fresh($"bootstrap {only.Intent} of {replica} stopped before its first checkpoint; nothing to resume from", mine),
            _ => new ResumeDecision.Fresh($"{mine.Count} unfinished bootstraps of {replica} ({string.Join(", ", mine.Select(m => m.Intent))}); none is resumed, they are left for an operator", mine),
        };
    }
}
