using OrleansRepl.Core.Storage;

namespace OrleansRepl.Cli.Storage;

/// <summary>Opening a store from the command line and turning its errors into one line on stderr and exit code 1.</summary>
internal static class StoreAccess
{
    /// <summary>Opens <paramref name="directory"/>: an existing store with its own shard count, a new one with <paramref name="newShardCount"/>.</summary>
    public static LogStore Open(string directory, int newShardCount, FsyncMode fsync = FsyncMode.Always) =>
        LogStore.Open(directory, new StoreOptions
        {
            ShardCount = LogStore.StoredShardCount(directory) ?? newShardCount,
            Fsync = fsync,
        });

    /// <summary>Opens an existing store only; a directory without one is an error rather than a new empty store.</summary>
    public static LogStore OpenExisting(string directory) =>
        LogStore.StoredShardCount(directory) is { } shards
            ? LogStore.Open(directory, new StoreOptions { ShardCount = shards })
            : throw new StoreArgumentException($"{directory} holds no store (no STORE file)");

    /// <summary>The limits a store opened by this tool would use, for reading one without opening it.</summary>
    public static StoreOptions InspectionOptions { get; } = new();

    public static async Task<int> RunAsync(string command, TextWriter error, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is StorageException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"orepl store {command}: {e.Message}");
            return 1;
        }
    }
}
