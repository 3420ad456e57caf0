using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>
/// Durable progress of pulling from one peer: the peer's root as last synced, the segments found missing
/// and not yet applied (a restart resumes them first), when the last cycle started, and how many segments
/// have been applied in all.
/// </summary>
public sealed record PeerCursor(Blake3Hash? LastKnownPeerRoot, IReadOnlyList<Blake3Hash> SegmentsPending, DateTimeOffset? LastAttempt, long SegmentsAppliedTotal)
{
    public static PeerCursor Empty { get; } = new(null, [], null, 0);
}

/// <summary>A <see cref="PeerCursor"/> in a form any serializer carries (files, grain state, calls): hashes as hex.</summary>
public sealed record PeerCursorRecord(string? LastKnownPeerRoot, IReadOnlyList<string> SegmentsPending, DateTimeOffset? LastAttempt, long SegmentsAppliedTotal)
{
    public static PeerCursorRecord From(PeerCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        return new(cursor.LastKnownPeerRoot?.ToString(), [.. cursor.SegmentsPending.Select(h => h.ToString())], cursor.LastAttempt, cursor.SegmentsAppliedTotal);
    }

    /// <summary>The cursor; a hash that is not 64 hex digits, a missing list or a negative total throws <see cref="FormatException"/>.</summary>
    public PeerCursor ToCursor()
    {
        // Stored JSON may say null where a list belongs, or anything else; a damaged cursor is refused, never half-read.
        if (SegmentsPending is null || SegmentsPending.Any(h => h is null))
        {
            throw new FormatException("its pending segments are missing or hold a null");
        }

        if (SegmentsAppliedTotal < 0)
        {
            throw new FormatException($"its applied total is negative ({SegmentsAppliedTotal})");
        }

        return new(LastKnownPeerRoot is { } root ? Blake3Hash.Parse(root) : null, [.. SegmentsPending.Select(Blake3Hash.Parse)], LastAttempt, SegmentsAppliedTotal);
    }
}

/// <summary>Where pullers keep their <see cref="PeerCursor"/>s: files now, the PeerGrain once the control plane exists.</summary>
public interface IPeerCursorStore
{
    ValueTask<PeerCursor?> LoadAsync(string peer, CancellationToken cancellationToken);

    ValueTask SaveAsync(string peer, PeerCursor cursor, CancellationToken cancellationToken);
}
