using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.Hosting.Runtime;

namespace OrleansRepl.Hosting.Tests.Runtime;

/// <summary>A silo's grain runtime on a real SQLite file, for tests.</summary>
internal static class GrainHostFixture
{
    public static async Task<(GrainRuntime Runtime, ServiceProvider Services)> StartAsync(string database, Action<GrainHostOptions>? configure = null)
    {
        var storage = new SqliteGrainStorage(database);
        await storage.EnsureSchemaAsync(CancellationToken.None);
        var services = new ServiceCollection()
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddGrainHost(storage, options =>
            {
                options.StateJson = new JsonSerializerOptions { TypeInfoResolver = TestStateJson.Default };
                configure?.Invoke(options);
            })
            .AddGrain<ICounterGrain, CounterGrain>()
            .AddGrain<ITickingGrain, TickingGrain>()
            .BuildServiceProvider();
        return (services.GetRequiredService<GrainRuntime>(), services);
    }
}
