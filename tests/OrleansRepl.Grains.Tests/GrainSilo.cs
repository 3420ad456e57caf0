using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using OrleansRepl.Persistence;
using OrleansRepl.Placement;

namespace OrleansRepl.Grains.Tests;

/// <summary>
/// The replication grains in an in-process Orleans cluster (<see cref="InProcessTestClusterBuilder"/>): one silo per
/// node named in <c>nodes</c> (node-affine grains live on them), grain state in a real SQLite file through the ADO.NET
/// provider and the project's schema, stored as the silo stores it (JSON).
/// </summary>
internal sealed class GrainSilo(InProcessTestCluster cluster, RecentLog log) : IAsyncDisposable
{
    private static readonly SemaphoreSlim Starting = new(1, 1);

    public IGrainFactory Grains => cluster.Client;

    /// <summary>What the project's code on the silos logged lately.</summary>
    public RecentLog Log => log;

    /// <summary>Starts silos for <paramref name="nodes"/> on <paramref name="database"/>; with <paramref name="faults"/>, every storage provider obeys them.</summary>
    public static async Task<GrainSilo> StartAsync(string database, string[] nodes, StorageFaults? faults = null)
    {
        var connection = $"Data Source={database}";
        await OrleansSchema.ApplySqliteAsync(connection);
        var names = new Dictionary<string, string>();
        var log = new RecentLog();
        var builder = new InProcessTestClusterBuilder((short)nodes.Length);
        (builder.Options.ClusterId, builder.Options.ServiceId) = ("grains", "grains"); // the ADO.NET rows are per service: a restarted cluster reads them back
        builder.ConfigureSilo((options, silo) =>
        {
            // The test cluster builds its silos at once, on the thread pool: each takes the next node's name under the
            // lock. (Unlocked, two silos were seen to both take n1, and the second refused to start.)
            string node;
            lock (names)
            {
                node = names.TryGetValue(options.SiloName, out var named) ? named : names[options.SiloName] = nodes[names.Count];
            }

            silo.Services.PostConfigure<SiloOptions>(o => o.SiloName = node); // after the test host names it
            silo.Services.AddSingleton(log.For(node));
            silo.Services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: CoreRecords.Travel));
            silo.AddNodeAffinePlacement();
            silo.AddAwayFromLeadersPlacement(); // with no view of the leaders here: the placing silo
            foreach (var name in (string[])[GrainStorageNames.Node, GrainStorageNames.Shared])
            {
                silo.AddAdoNetGrainStorage(name, o => (o.Invariant, o.ConnectionString, o.GrainStorageSerializer) = (OrleansSchema.SqliteInvariant, connection, GrainStateStorage.JsonSerializer()));
                if (faults is not null)
                {
                    silo.Services.AddKeyedSingleton<IGrainStorage>(name, (services, _) => new FailingStorage(AdoNetGrainStorageFactory.Create(services, name), faults));
                }
            }
        });
        builder.ConfigureClient(client => client.Services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: CoreRecords.Travel)));

        // One start at a time in this process: test classes run in parallel, and two in-process clusters being built at
        // once were seen to race inside Orleans' UseOrleans ("a concurrent update was performed on this collection").
        await Starting.WaitAsync();
        try
        {
            var cluster = builder.Build();
            await cluster.DeployAsync();
            return new GrainSilo(cluster, log);
        }
        finally
        {
            Starting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await cluster.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}
