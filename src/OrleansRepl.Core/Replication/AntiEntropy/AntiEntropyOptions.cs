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

    /// <summary>
    /// The most sealed segments a peer may claim to hold; a root claiming more ends the cycle before any descent. With
    /// the peer's answers checked to form a tree, it bounds a cycle's requests and memory.
    /// </summary>
    public int MaxPeerSegments { get; init; } = 4_000_000;

    /// <summary>While segments are pulled, the peer cursor is saved at most this often (and always when the pull ends).</summary>
    public TimeSpan CursorSaveInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The least a cycle must receive from the peer in each <see cref="ProgressWindow"/> (answers and segments); a peer
    /// slower than that (a trickle of tiny pieces, each within <see cref="RequestTimeout"/>) ends the cycle. 0 turns it off.
    /// </summary>
    public long MinimumProgressBytes { get; init; } = 1 << 20;

    /// <summary>The window <see cref="MinimumProgressBytes"/> is measured over.</summary>
    public TimeSpan ProgressWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest one cycle may run; past it the cycle ends, its progress saved, and the next resumes.</summary>
    public TimeSpan CycleDeadline { get; init; } = TimeSpan.FromHours(1);

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

        if (MinimumProgressBytes < 0 || ProgressWindow <= TimeSpan.Zero || CycleDeadline <= TimeSpan.Zero)
        {
            problems.Add($"MinimumProgressBytes must not be negative, and ProgressWindow and CycleDeadline must be positive, got {MinimumProgressBytes}, {ProgressWindow} and {CycleDeadline}");
        }

        if (MaxPeerSegments < 1)
        {
            problems.Add($"MaxPeerSegments must be positive, got {MaxPeerSegments}");
        }

        if (CursorSaveInterval < TimeSpan.Zero)
        {
            problems.Add($"CursorSaveInterval must not be negative, got {CursorSaveInterval}");
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            problems.Add($"RequestTimeout must be positive, got {RequestTimeout}");
        }

        return problems;
    }
}
