using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansRepl.Persistence;
using OrleansRepl.TestKit;

namespace OrleansRepl.Benchmarks.Orleans;

/// <summary>
/// Can Orleans 10.4.2's ADO.NET grain storage, on the project's schema, keep up with shard cursors? Each
/// follower's ShardGrain writes its cursor at most every 100 ms (10 writes/s). A 4-node, 4-shard cluster under
/// load has at most 16 of them: 160 writes/s on one shared PostgreSQL, or 40 writes/s on a silo's own SQLite file.
/// For each backend, that many grains write back to back for a fixed time while a probe grain on the same silo
/// is pinged, so the cost to other grains' turns shows (SQLite's provider is synchronous).
/// </summary>
public static class CursorWriteRate
{
    private const string Storage = "state";
    private const double CoalescedWritesPerGrain = 10;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        using var directory = new TempDirectory();
        var sqlite = $"Data Source={Path.Combine(directory.Path, "silo.db")}";
        await OrleansSchema.ApplySqliteAsync(sqlite);
        await MeasureAsync("SQLite, one file per silo", OrleansSchema.SqliteInvariant, sqlite, grains: 4, seconds);

        using var postgres = PostgresServer.Start();
        await OrleansSchema.ApplyPostgresAsync(postgres.ConnectionString);
        await MeasureAsync("PostgreSQL, shared by 4 nodes", OrleansSchema.PostgresInvariant, postgres.ConnectionString, grains: 16, seconds);
        return 0;
    }

    private static async Task MeasureAsync(string name, string invariant, string connectionString, int grains, double seconds)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(LoopbackPort.Free(), LoopbackPort.Free());
            silo.AddAdoNetGrainStorage(Storage, o => (o.Invariant, o.ConnectionString) = (invariant, connectionString));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var factory = host.Services.GetRequiredService<IGrainFactory>();

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var writers = Enumerable.Range(0, grains).Select(i => WriteUntilAsync(factory.GetGrain<ICursorGrain>($"n{i / 4}/{i % 4}"), stop.Token)).ToList();
        var pings = await PingUntilAsync(factory.GetGrain<ICursorGrain>("probe"), stop.Token);
        var written = (await Task.WhenAll(writers)).Sum();

        var rate = written / seconds;
        var needed = grains * CoalescedWritesPerGrain;
        pings.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-32} {grains,2} grains: {rate,8:F0} writes/s, needed {needed,4:F0}: ratio {rate / needed,6:F1}; other grains' calls meanwhile p50 {Percentile(pings, 0.5),6:F2} ms, p99 {Percentile(pings, 0.99),7:F2} ms"));
        await host.StopAsync();
    }

    private static async Task<long> WriteUntilAsync(ICursorGrain grain, CancellationToken stop)
    {
        long writes = 0;
        while (!stop.IsCancellationRequested)
        {
            await grain.SaveAsync(writes);
            writes++;
        }

        return writes;
    }

    private static async Task<List<double>> PingUntilAsync(ICursorGrain grain, CancellationToken stop)
    {
        var latencies = new List<double>();
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            await grain.PingAsync();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            await Task.Delay(5, CancellationToken.None);
        }

        return latencies;
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    public interface ICursorGrain : IGrainWithStringKey
    {
        Task SaveAsync(long lsn);

        Task PingAsync();
    }

    [GenerateSerializer]
    public sealed class CursorState
    {
        [Id(0)]
        public long LastAppliedLsn { get; set; }

        [Id(1)]
        public DateTimeOffset SavedAt { get; set; }
    }

    public sealed class CursorGrain([PersistentState("cursor", Storage)] IPersistentState<CursorState> state) : Grain, ICursorGrain
    {
        public async Task SaveAsync(long lsn)
        {
            state.State.LastAppliedLsn = lsn;
            state.State.SavedAt = DateTimeOffset.UtcNow;
            await state.WriteStateAsync();
        }

        public Task PingAsync() => Task.CompletedTask;
    }
}
