using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>How a new replica pulls its snapshot.</summary>
public sealed record BootstrapOptions
{
    /// <summary>The received bytes are made durable and checkpointed in the intent log each time this many more have arrived.</summary>
    public long CheckpointEvery { get; init; } = 8 << 20;

    /// <summary>A source silent for this long is dead; the attempt ends and the next one resumes.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times an expired token or a lost connection is retried before the bootstrap gives up.</summary>
    public int MaxAttempts { get; init; } = 5;

    public int MaxFrameLength { get; init; } = FrameCodec.DefaultMaxFrameLength;

    /// <summary>
    /// The least a transfer must move in each <see cref="ProgressWindow"/>; a source slower than that (a trickle of
    /// tiny pieces, each in time for <see cref="RequestTimeout"/>) ends the attempt, and the next one resumes.
    /// </summary>
    public long MinimumProgressBytes { get; init; } = 1 << 20;

    /// <summary>The window <see cref="MinimumProgressBytes"/> is measured over.</summary>
    public TimeSpan ProgressWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest snapshot this node installs (1 TiB); a source declaring more is refused before anything is written.</summary>
    public long MaxSnapshotBytes { get; init; } = 1L << 40;

    /// <summary>The longest one attempt may transfer for (from its first piece); past it the attempt ends, and the next one resumes.</summary>
    public TimeSpan AttemptDeadline { get; init; } = TimeSpan.FromHours(12);

    public void ThrowIfInvalid()
    {
        if (Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"invalid bootstrap options: {string.Join("; ", problems)}");
        }
    }

    /// <summary>Every problem with these options, each naming the setting and its value; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (CheckpointEvery < 4096)
        {
            problems.Add($"CheckpointEvery must be at least 4096 bytes, got {CheckpointEvery}");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add($"RequestTimeout must be positive, got {RequestTimeout}");
        }

        if (MaxAttempts < 1)
        {
            problems.Add($"MaxAttempts must be at least 1, got {MaxAttempts}");
        }

        if (MaxSnapshotBytes < 1)
        {
            problems.Add($"MaxSnapshotBytes must be positive, got {MaxSnapshotBytes}");
        }

        if (AttemptDeadline <= TimeSpan.Zero)
        {
            problems.Add($"AttemptDeadline must be positive, got {AttemptDeadline}");
        }

        if (MinimumProgressBytes < 0 || ProgressWindow <= TimeSpan.Zero)
        {
            problems.Add($"MinimumProgressBytes must not be negative and ProgressWindow must be positive, got {MinimumProgressBytes} and {ProgressWindow}");
        }

        return problems;
    }
}
