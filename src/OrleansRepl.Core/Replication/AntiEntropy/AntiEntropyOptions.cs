using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>How often and how a node pulls from a peer. Check with <see cref="Validate"/>.</summary>
public sealed record AntiEntropyOptions
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the loop waits before its first cycle (a sync-now starts it sooner). A node that joins while it
    /// streams from that peer would otherwise pull the same sealed segments twice, once by each path.
    /// </summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.Zero;

    /// <summary>A differing node covering at most this many peer segments is listed outright instead of descended.</summary>
    public int ListThreshold { get; init; } = 64;

    /// <summary>The largest segment a peer may send; checked against its declared length before anything is allocated.</summary>
    public long MaxSegmentBytes { get; init; } = 1L << 30;

    /// <summary>A peer that does not answer a request within this time is dead; the cycle ends and the next one retries.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public int MaxFrameLength { get; init; } = FrameCodec.DefaultMaxFrameLength;

    public void ThrowIfInvalid()
    {
        if (Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"invalid anti-entropy options: {string.Join("; ", problems)}");
        }
    }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Interval <= TimeSpan.Zero)
        {
            problems.Add($"Interval must be positive, got {Interval}");
        }

        if (InitialDelay < TimeSpan.Zero)
        {
            problems.Add($"InitialDelay must not be negative, got {InitialDelay}");
        }

        if (ListThreshold is < 1 or > Protocol.Messages.SegmentList.MaxHashes)
        {
            problems.Add($"ListThreshold must be between 1 and {Protocol.Messages.SegmentList.MaxHashes}, got {ListThreshold}");
        }

        if (MaxSegmentBytes < 1)
        {
            problems.Add($"MaxSegmentBytes must be positive, got {MaxSegmentBytes}");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add($"RequestTimeout must be positive, got {RequestTimeout}");
        }

        return problems;
    }
}
