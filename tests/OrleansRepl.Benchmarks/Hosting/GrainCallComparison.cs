using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansRepl.Client;
using OrleansRepl.Hosting;
using OrleansRepl.Hosting.Gateway;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.Hosting.Runtime;
using OrleansRepl.TestKit;

namespace OrleansRepl.Benchmarks.Hosting;

public interface IBenchGrain : IGrainWithStringKey
{
    Task<int> PingAsync(int value);

    Task<int> WriteAsync(int value);
}

public sealed class BenchState
{
    public int Value { get; set; }
}

public sealed class BenchGrain([PersistentState("bench")] IPersistentState<BenchState> state) : Grain, IBenchGrain
{
    public Task<int> PingAsync(int value) => Task.FromResult(value + 1);

    public async Task<int> WriteAsync(int value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
        return value;
    }
}

[JsonSerializable(typeof(BenchState))]
internal sealed partial class BenchJson : JsonSerializerContext;

/// <summary>
/// Grain calls in the silo and through the gateway (calls/s, p50/p99 latency, CONCURRENCY callers over as many
/// grains), and state writes per second on SQLite and on a throwaway PostgreSQL, all in one run.
/// </summary>
public static class GrainCallComparison
{
    private const string Token = "benchmark gateway token 0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var calls = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 100_000;
        var concurrency = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
        if (calls < concurrency || concurrency < 1)
        {
            Console.Error.WriteLine($"usage: grains [CALLS >= CONCURRENCY] [CONCURRENCY >= 1]; got {calls}, {concurrency}");
            return 2;
        }

        using var directory = new TempDirectory();
        var sqlite = new SqliteGrainStorage(directory.File("bench.db"));
        await sqlite.EnsureSchemaAsync(CancellationToken.None);
        await using var silo = await StartSiloAsync(sqlite);
        var runtime = silo.Services.GetRequiredService<GrainRuntime>();
        using var client = new GrainClient(new GrainClientOptions { Gateways = [new Uri(silo.Urls.First())], Token = Token });

        await MeasureAsync("warm-up", calls / 10, concurrency, i => runtime.GetGrain<IBenchGrain>($"g{i}").PingAsync(i));
        await MeasureAsync("warm-up", calls / 20, concurrency, i => client.GetGrain<IBenchGrain>($"g{i}").PingAsync(i));
        var inSilo = await MeasureAsync("call in the silo", calls, concurrency, i => runtime.GetGrain<IBenchGrain>($"g{i}").PingAsync(i));
        var gateway = await MeasureAsync("call through the gateway (HTTP, JSON, bearer token)", calls / 10, concurrency, i => client.GetGrain<IBenchGrain>($"g{i}").PingAsync(i));
        var sqliteWrites = await MeasureAsync("state write, SQLite (WAL, synchronous=FULL)", calls / 50, concurrency, i => runtime.GetGrain<IBenchGrain>($"w{i}").WriteAsync(i));

        using var postgres = PostgresServer.Start();
        using var dataSource = NpgsqlDataSource.Create(postgres.ConnectionString);
        var pg = new PostgresGrainStorage(dataSource);
        await pg.EnsureSchemaAsync(CancellationToken.None);
        await using var pgSilo = await StartSiloAsync(pg);
        var pgRuntime = pgSilo.Services.GetRequiredService<GrainRuntime>();
        await MeasureAsync("warm-up", calls / 100, concurrency, i => pgRuntime.GetGrain<IBenchGrain>($"w{i}").WriteAsync(i));
        var pgWrites = await MeasureAsync("state write, PostgreSQL 15 (defaults, fsync on)", calls / 50, concurrency, i => pgRuntime.GetGrain<IBenchGrain>($"p{i}").WriteAsync(i));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratios: gateway / in-silo calls {gateway / inSilo:F3}; PostgreSQL / SQLite writes {pgWrites / sqliteWrites:F2}"));
        return 0;
    }

    private static async Task<WebApplication> StartSiloAsync(IGrainStorage storage)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddGrainHost(storage, o => o.StateJson = new JsonSerializerOptions { TypeInfoResolver = BenchJson.Default }).AddGrain<IBenchGrain, BenchGrain>();
        var silo = builder.Build();
        silo.MapGrainGateway(Token);
        await silo.StartAsync();
        return silo;
    }

    /// <summary>CONCURRENCY callers, each on its own grain, split the calls; prints and returns calls per second.</summary>
    private static async Task<double> MeasureAsync(string what, int calls, int concurrency, Func<int, Task<int>> call)
    {
        var latencies = new double[calls];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async caller =>
        {
            for (var i = caller; i < calls; i += concurrency)
            {
                var started = Stopwatch.GetTimestamp();
                await call(caller);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }));
        var rate = calls / clock.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        if (what != "warm-up")
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{what,-55} {rate,10:F0} calls/s   p50 {latencies[calls / 2],7:F3} ms   p99 {latencies[(int)(calls * 0.99)],7:F3} ms   ({calls} calls, {concurrency} callers)"));
        }

        return rate;
    }
}
