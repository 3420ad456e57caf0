using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Serialization;
using OrleansRepl.TestKit;

namespace OrleansRepl.Persistence.Tests;

/// <summary>Real Orleans 10.4.2 silos and clients in this process, on the ADO.NET providers and the project's schema.</summary>
internal static class OrleansHost
{
    public const string StorageName = "state";

    /// <summary>A silo on loopback whose membership and grain state are in PostgreSQL.</summary>
    public static async Task<IHost> StartPostgresSiloAsync(string connectionString, string cluster, string siloName)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster, cluster));
            silo.Configure<SiloOptions>(o => o.SiloName = siloName);
            silo.ConfigureEndpoints(IPAddress.Loopback, LoopbackPort.Free(), LoopbackPort.Free());
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansSchema.PostgresInvariant, connectionString));
            silo.AddAdoNetGrainStorage(StorageName, o => (o.Invariant, o.ConnectionString) = (OrleansSchema.PostgresInvariant, connectionString));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>A single silo on loopback, clustered with no server, whose grain state is in a SQLite file.</summary>
    public static async Task<IHost> StartSqliteSiloAsync(string databaseFile, int siloPort, int gatewayPort)
    {
        var connectionString = $"Data Source={databaseFile}";
        await OrleansSchema.ApplySqliteAsync(connectionString);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: "sqlite", clusterId: "sqlite");
            silo.Services.AddSerializer(serializer => serializer.AddJsonSerializer(CoreTypes));
            silo.AddAdoNetGrainStorage(StorageName, o => (o.Invariant, o.ConnectionString) = (OrleansSchema.SqliteInvariant, connectionString));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>A silo whose membership is in a SQLite file shared by the silos of one machine, and its grain state in a file of its own.</summary>
    public static async Task<IHost> StartSqliteClusteredSiloAsync(string clusterFile, string stateFile, string siloName)
    {
        await OrleansSchema.ApplySqliteAsync($"Data Source={clusterFile}");
        await OrleansSchema.ApplySqliteAsync($"Data Source={stateFile}");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("sqlite", "sqlite"));
            silo.Configure<SiloOptions>(o => o.SiloName = siloName);
            silo.ConfigureEndpoints(IPAddress.Loopback, LoopbackPort.Free(), LoopbackPort.Free());
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansSchema.SqliteInvariant, $"Data Source={clusterFile}"));
            silo.AddAdoNetGrainStorage(StorageName, o => (o.Invariant, o.ConnectionString) = (OrleansSchema.SqliteInvariant, $"Data Source={stateFile}"));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>A client that finds the gateways through the membership table in a SQLite file.</summary>
    public static async Task<IHost> StartSqliteClientAsync(string clusterFile)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("sqlite", "sqlite"));
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansSchema.SqliteInvariant, $"Data Source={clusterFile}"));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>A client that finds the gateways through the membership table in PostgreSQL.</summary>
    public static async Task<IHost> StartPostgresClientAsync(string connectionString, string cluster)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster, cluster));
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansSchema.PostgresInvariant, connectionString));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Core's records travel as JSON: Core carries no Orleans attributes.</summary>
    public static bool CoreTypes(Type type) => type.Namespace?.StartsWith("OrleansRepl.Core", StringComparison.Ordinal) == true;

    public static IClusterClient Client(this IHost host) => host.Services.GetRequiredService<IClusterClient>();

    public static IGrainFactory Grains(this IHost host) => host.Services.GetRequiredService<IGrainFactory>();
}
