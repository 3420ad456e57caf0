using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Replication.AntiEntropy;

namespace OrleansRepl.Grains.Peers;

/// <summary>Anti-entropy cursors kept by this node's <see cref="IPeerGrain"/>s (<c>{node}/{peer}</c>) instead of files.</summary>
public sealed class GrainPeerCursorStore(IGrainFactory grains, string node) : IPeerCursorStore
{
    public async ValueTask<PeerCursor?> LoadAsync(string peer, CancellationToken cancellationToken) =>
        await Grain(peer).LoadCursorAsync() is { } stored
            ? new PeerCursor(stored.LastKnownPeerRoot is { } root ? Blake3Hash.Parse(root) : null, stored.SegmentsPending.Select(Blake3Hash.Parse).ToList(), stored.LastAttempt, stored.SegmentsAppliedTotal)
            : null;

    public async ValueTask SaveAsync(string peer, PeerCursor cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        await Grain(peer).SaveCursorAsync(new PeerCursorRecord(cursor.LastKnownPeerRoot?.ToString(), cursor.SegmentsPending.Select(h => h.ToString()).ToList(), cursor.LastAttempt, cursor.SegmentsAppliedTotal));
    }

    private IPeerGrain Grain(string peer) => grains.GetGrain<IPeerGrain>($"{node}/{Core.Storage.Files.SafeName.Check(peer, "peer node id")}");
}
