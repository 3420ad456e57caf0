using System.Net;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Serialization;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Core.Security;
using OrleansRepl.Grains;
using OrleansRepl.Persistence;
using OrleansRepl.Placement;

namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// This process as an Orleans silo: named after its node, clustered and persisted through the ADO.NET providers on
/// the project's schema (PostgreSQL, or SQLite files on the embedded default), node-affine placement, the
/// distributed grain directory, Core's records as JSON, and the Orleans Dashboard.
/// </summary>
internal static class OrleansSiloSetup
{
    /// <summary>Fills in free ports for those left at 0; the same instance is then registered and used everywhere.</summary>
    public static void ChoosePorts(SiloHostOptions silo)
    {
        var host = IPAddress.Parse(silo.Host);
        silo.SiloPort = silo.SiloPort != 0 ? silo.SiloPort : FreePort.On(host);
        silo.GatewayPort = silo.GatewayPort != 0 ? silo.GatewayPort : FreePort.On(host);
        silo.HttpPort = silo.HttpPort != 0 ? silo.HttpPort : FreePort.On(host);
    }

    /// <summary>The silo, on mutual TLS with the cluster's CA when <paramref name="tls"/> is given (silo-to-silo and the client gateway).</summary>
    public static void UseReplicationSilo(this WebApplicationBuilder builder, SiloHostOptions silo, string cluster, NodeStateFile stateFile, TlsIdentity? tls)
    {
        builder.Services.AddSingleton(stateFile);
        builder.UseOrleans(orleans =>
        {
            orleans.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster, cluster));
            orleans.Configure<SiloOptions>(o => o.SiloName = silo.NodeId);
            orleans.Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = TimeSpan.FromSeconds(silo.ProbeTimeoutSeconds));
            orleans.ConfigureEndpoints(IPAddress.Parse(silo.Host), silo.SiloPort, silo.GatewayPort);
            if (silo.SiloListenPort != 0)
            {
                orleans.Configure<EndpointOptions>(o => o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Parse(silo.Host), silo.SiloListenPort));
            }
            if (tls is not null)
            {
                orleans.UseTls(options => ClusterTls.Configure(options, tls));
            }

            orleans.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, SchemaInstaller>();
            orleans.Services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: CoreRecords.Travel));
            var (invariant, membership, shared, own) = silo.Storage == "postgres"
                ? (OrleansSchema.PostgresInvariant, silo.PostgresConnectionString, silo.PostgresConnectionString, silo.PostgresConnectionString)
                : (OrleansSchema.SqliteInvariant, Sqlite(silo.SqlitePath), Sqlite(silo.SqlitePath), Sqlite(stateFile.Path));
            orleans.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (invariant, membership));
            orleans.AddAdoNetGrainStorage(GrainStorageNames.Shared, o => (o.Invariant, o.ConnectionString, o.GrainStorageSerializer) = (invariant, shared, GrainStateStorage.JsonSerializer()));
            orleans.AddAdoNetGrainStorage(GrainStorageNames.Node, o => (o.Invariant, o.ConnectionString, o.GrainStorageSerializer) = (invariant, own, GrainStateStorage.JsonSerializer()));
            orleans.AddNodeAffinePlacement();
            orleans.AddAwayFromLeadersPlacement();
            orleans.AddIncomingGrainCallFilter<ClientErrorFilter>();
#pragma warning disable ORLEANSEXP003 // experimental: a silo that leaves does not deactivate grains on the others (the placement tests show it)
            orleans.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003

            // No lease holds after a crash. As shipped, the directory keeps a crashed silo's grains from registering
            // again for about 20 s, in case that silo still runs: the replica set grain (and so every lease renewal,
            // and so every write) was gone that long (GrainSiloKillTests). No grain here needs it: the replica set grain
            // fences a second activation by its generation, and a node's own grains (node, shard, peer, bootstrap) run
            // only on that node's one silo (NodeNameGuard).
            orleans.Configure<GrainDirectoryOptions>(o => o.RangeLeaseDuration = TimeSpan.Zero);
            if (silo.Dashboard)
            {
                // Sampled every DashboardSampleSeconds rather than every second, and its profiling of grain calls stops
                // that long after the last view: an idle cluster nobody watches pays little (bench/dashboard-idle.sh).
                orleans.AddDashboard(o => o.CounterUpdateIntervalMs = silo.DashboardSampleSeconds * 1000);
                orleans.Services.Configure<GrainProfilerOptions>(o => o.DeactivationTime = TimeSpan.FromSeconds(silo.DashboardSampleSeconds));
            }
        });
    }

    private static string Sqlite(string file) => $"Data Source={Path.GetFullPath(file)}";
}
