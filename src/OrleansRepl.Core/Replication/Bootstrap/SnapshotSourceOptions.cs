namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>How a source pins and sends snapshots.</summary>
public sealed record SnapshotSourceOptions
{
    /// <summary>A pinned snapshot is kept this long after its last use, so an interrupted sink can resume it.</summary>
    public TimeSpan TokenLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// A snapshot sent to its end is kept only this long after: enough for a sink that lost the last pieces to ask
    /// again, and no longer, so finished transfers do not hold pins (file handles and active copies) up to the limit.
    /// </summary>
    public TimeSpan FinishedPinLifetime { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Snapshots pinned at once; a new one beyond this is refused. A pin copies nothing of the sealed segments (it holds
    /// their files open) but keeps a copy of every shard's active segment in memory, up to one roll size per shard.
    /// </summary>
    public int MaxLivePins { get; init; } = 4;

    /// <summary>Bytes per piece on the wire.</summary>
    public int PieceBytes { get; init; } = 1 << 20;

    public void ThrowIfInvalid()
    {
        if (Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"invalid snapshot source options: {string.Join("; ", problems)}");
        }
    }

    /// <summary>Every problem with these options, each naming the setting and its value; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (TokenLifetime <= TimeSpan.Zero)
        {
            problems.Add($"TokenLifetime must be positive, got {TokenLifetime}");
        }

        if (FinishedPinLifetime <= TimeSpan.Zero)
        {
            problems.Add($"FinishedPinLifetime must be positive, got {FinishedPinLifetime}");
        }

        if (PieceBytes is < 4096 or > 8 << 20)
        {
            problems.Add($"PieceBytes must be between 4096 and 8388608, got {PieceBytes}");
        }

        if (MaxLivePins < 1)
        {
            problems.Add($"MaxLivePins must be at least 1, got {MaxLivePins}");
        }

        return problems;
    }
}
