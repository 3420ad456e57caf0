using System.Globalization;
using OrleansRepl.Core.Replication.Streaming.Follower;

namespace OrleansRepl.Grains.Shards;

/// <summary>Followers' cursors kept by their <see cref="IShardGrain"/>s (<c>{node}/{shard}</c>) instead of files.</summary>
public sealed class GrainCursorStore(IGrainFactory grains, string node) : ICursorStore
{
    public async ValueTask<FollowerCursor?> LoadAsync(int shard, CancellationToken cancellationToken) =>
        await Grain(shard).LoadCursorAsync();

    public async ValueTask SaveAsync(int shard, FollowerCursor cursor, CancellationToken cancellationToken) =>
        await Grain(shard).SaveCursorAsync(cursor);

    /// <summary>The grain key of a shard on a node.</summary>
    public static string KeyOf(string node, int shard) => string.Create(CultureInfo.InvariantCulture, $"{node}/{shard}");

    private IShardGrain Grain(int shard) => grains.GetGrain<IShardGrain>(KeyOf(node, shard));
}
