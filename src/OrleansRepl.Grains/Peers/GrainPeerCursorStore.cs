using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Peers;

/// <summary>Anti-entropy cursors kept by this node's <see cref="IPeerGrain"/>s (<c>{node}/{peer}</c>) instead of files.</summary>
public sealed class GrainPeerCursorStore(IGrainFactory grains, string node) : IPeerCursorStore
{
    public async ValueTask<PeerCursor?> LoadAsync(string peer, CancellationToken cancellationToken) =>
        (await Grain(peer).LoadCursorAsync())?.ToCursor();

    public async ValueTask SaveAsync(string peer, PeerCursor cursor, CancellationToken cancellationToken) =>
        await Grain(peer).SaveCursorAsync(PeerCursorRecord.From(cursor));

    private IPeerGrain Grain(string peer) => grains.Peer(node, Core.Storage.Files.SafeName.Check(peer, "peer node id"));
}
