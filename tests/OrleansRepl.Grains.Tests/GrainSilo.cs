using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Hosting;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.Hosting.Runtime;

namespace OrleansRepl.Grains.Tests;

/// <summary>The replication grains on the real host and a real SQLite file, for tests.</summary>
internal sealed class GrainSilo(ServiceProvider services) : IAsyncDisposable
{
    public GrainRuntime Runtime { get; } = services.GetRequiredService<GrainRuntime>();

    /// <summary>Starts the grains on <paramref name="database"/>; <paramref name="wrap"/> may put a fault injector in front of the storage.</summary>
    public static async Task<GrainSilo> StartAsync(string database, Func<IGrainStorage, IGrainStorage>? wrap = null)
    {
        IGrainStorage storage = new SqliteGrainStorage(database);
        await storage.EnsureSchemaAsync(CancellationToken.None);
        storage = wrap?.Invoke(storage) ?? storage;
        return new GrainSilo(new ServiceCollection()
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddGrainHost(storage, o => o.StateJson = new JsonSerializerOptions { TypeInfoResolver = GrainStateJson.Default })
            .AddGrain<IShardGrain, ShardGrain>()
            .AddGrain<IPeerGrain, PeerGrain>()
            .AddGrain<IBootstrapGrain, BootstrapGrain>()
            .AddGrain<IReplicaSetGrain, ReplicaSetGrain>()
            .BuildServiceProvider());
    }

    public ValueTask DisposeAsync() => services.DisposeAsync();
}
