using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Shards;

/// <summary>Followers' cursors kept by their <see cref="IShardGrain"/>s (<c>{node}/{shard}</c>) instead of files.</summary>
public sealed class GrainCursorStore(IGrainFactory grains, string node) : ICursorStore
{
    public async ValueTask<FollowerCursor?> LoadAsync(int shard, CancellationToken cancellationToken) =>
        await Grain(shard).LoadCursorAsync();

    public async ValueTask SaveAsync(int shard, FollowerCursor cursor, CancellationToken cancellationToken) =>
        await Grain(shard).SaveCursorAsync(cursor);

    private IShardGrain Grain(int shard) => grains.Shard(node, shard);
}
