using System.Text.Json.Serialization;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Replication.Streaming.Follower;

/// <summary>Cursors as small JSON files, one per shard, each replaced atomically (temp, fsync, rename, directory fsync).</summary>
public sealed class FileCursorStore : ICursorStore
{
    private readonly string _directory;

    public FileCursorStore(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    public ValueTask<FollowerCursor?> LoadAsync(int shard, CancellationToken cancellationToken) =>
        JsonFile.ReadIfPresentAsync(PathOf(shard), CursorJsonContext.Default.FollowerCursor, "follower cursor", cancellationToken);

    public ValueTask SaveAsync(int shard, FollowerCursor cursor, CancellationToken cancellationToken)
    {
        JsonFile.Replace(PathOf(shard), cursor, CursorJsonContext.Default.FollowerCursor);
        return ValueTask.CompletedTask;
    }

    private string PathOf(int shard) => Path.Combine(_directory, $"cursor-{shard:D3}.json");
}

[JsonSerializable(typeof(FollowerCursor))]
internal sealed partial class CursorJsonContext : JsonSerializerContext;
