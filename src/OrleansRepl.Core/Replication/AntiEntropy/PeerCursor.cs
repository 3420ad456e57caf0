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

/// <summary>Where pullers keep their <see cref="PeerCursor"/>s: files now, the PeerGrain once the control plane exists.</summary>
public interface IPeerCursorStore
{
    ValueTask<PeerCursor?> LoadAsync(string peer, CancellationToken cancellationToken);

    ValueTask SaveAsync(string peer, PeerCursor cursor, CancellationToken cancellationToken);
}
