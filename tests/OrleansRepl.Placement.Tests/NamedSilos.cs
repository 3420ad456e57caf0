using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansRepl.Persistence;
using OrleansRepl.TestKit;

namespace OrleansRepl.Placement.Tests;

/// <summary>Silos named after nodes, in this process, sharing membership in one SQLite file; disposed together.</summary>
internal sealed class NamedSilos : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly Dictionary<string, IHost> _silos = [];

    private string Membership => $"Data Source={_directory.File("cluster.db")}";

    public async Task StartAsync(params string[] nodes)
    {
        await OrleansSchema.ApplySqliteAsync(Membership);
        foreach (var node in nodes)
        {
            _silos[node] = await StartSiloAsync(node);
        }
    }

    /// <summary>Starts one more silo named <paramref name="node"/>, not tracked here: the caller disposes it.</summary>
    public async Task<IHost> StartSiloAsync(string node)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("placement", "placement"));
            silo.Configure<SiloOptions>(o => o.SiloName = node);
            silo.ConfigureEndpoints(IPAddress.Loopback, LoopbackPort.Free(), LoopbackPort.Free());
            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansSchema.SqliteInvariant, Membership));
            silo.AddNodeAffinePlacement();
#pragma warning disable ORLEANSEXP003 // the distributed directory: a silo leaving does not deactivate grains on the others (tested)
            silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public IGrainFactory Grains(string node) => _silos[node].Services.GetRequiredService<IGrainFactory>();

    public async Task StopAsync(string node)
    {
        await _silos[node].StopAsync();
        _silos[node].Dispose();
        _silos.Remove(node);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _silos.Keys.ToList())
        {
            await StopAsync(node);
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
