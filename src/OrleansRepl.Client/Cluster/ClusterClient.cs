using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Serialization;
using OrleansRepl.Grains;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Persistence;

namespace OrleansRepl.Client.Cluster;

/// <summary>
/// A replica set through the Orleans client: the topology and the grains that change it, and the key-value API routed
/// to each key's shard leader (each node's API address comes from its node grain). The topology and the API
/// addresses are cached; a 421 from a node that no longer leads (or an API that is gone) refreshes them and the call
/// is tried once more.
/// </summary>
public sealed partial class ClusterClient : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly HttpClient _http;
    private ReplicaSetTopology? _topology;
    private Dictionary<string, Uri> _apis = [];

    private ClusterClient(IHost host, ClusterConnection connection)
    {
        _host = host;
        Orleans = host.Services.GetRequiredService<IClusterClient>();
        ReplicaSet = connection.ReplicaSet;
        _http = new HttpClient(ClusterTls.HttpHandler(connection.Tls)) { Timeout = connection.CallTimeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
    }

    /// <summary>Connects to the cluster's gateways; fails (naming the cluster and where it looked) when none answers.</summary>
    public static async Task<ClusterClient> ConnectAsync(ClusterConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        connection.ThrowIfInvalid();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Orleans", LogLevel.Critical);
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (connection.Cluster, connection.Cluster));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = connection.CallTimeout);
            client.Services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: CoreRecords.Travel));
            client.UseConnectionRetryFilter((_, _) => Task.FromResult(false)); // fail at once, naming where it looked
            if (connection.Tls is { } tls)
            {
                client.UseTls(options => ClusterTls.Configure(options, tls));
            }

            if (connection.Gateways.Count > 0)
            {
                client.UseStaticClustering([.. connection.Gateways]);
            }
            else
            {
                var (invariant, database) = connection.PostgresConnectionString is { } postgres
                    ? (OrleansSchema.PostgresInvariant, postgres)
                    : (OrleansSchema.SqliteInvariant, $"Data Source={connection.SqliteMembershipFile}");
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (invariant, database));
            }
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            var where = connection.Gateways.Count > 0 ? $"gateways {string.Join(", ", connection.Gateways)}"
                : connection.SqliteMembershipFile is { } file ? $"the membership in {file}" : "the membership in PostgreSQL";
            throw new ClusterUnavailableException($"cannot connect to cluster {connection.Cluster} through {where}: {e.Message}", e);
        }

        return new ClusterClient(host, connection);
    }

    public string ReplicaSet { get; }

    /// <summary>The Orleans client: every grain of the cluster by typed reference.</summary>
    public IClusterClient Orleans { get; }

    public IGrainFactory Grains => Orleans;

    public IReplicaSetGrain ReplicaSetGrain => Grains.ReplicaSet(ReplicaSet);

    public async Task<ReplicaSetTopology> GetTopologyAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var topology = await ReplicaSetGrain.GetTopologyAsync();
        Volatile.Write(ref _topology, topology);
        return topology;
    }

    /// <summary>The nodes that have an active silo, by the cluster membership the gateway's placement reads.</summary>
    public async Task<IReadOnlySet<string>> LiveNodesAsync() =>
        (await Grains.MembershipView().ActiveNodesAsync()).ToHashSet(StringComparer.Ordinal);

    /// <summary>The key-value API of <paramref name="node"/>, as its silo reports it.</summary>
    public async Task<Uri> ApiOfAsync(string node, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _apis).TryGetValue(node, out var known))
        {
            return known;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var status = await Grains.Node(node).GetStatusAsync();
        var api = new Uri(status.ApiUrl ?? throw new InvalidOperationException($"node {node} reports no key-value API"));
        Volatile.Write(ref _apis, new Dictionary<string, Uri>(Volatile.Read(ref _apis)) { [node] = api });
        return api;
    }

    /// <summary>The replication address (host:port) <paramref name="node"/>'s silo serves.</summary>
    public async Task<string> ReplicationAddressOfAsync(string node, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return (await Grains.Node(node).GetStatusAsync()).ReplicationAddress;
    }

    /// <summary>Every member's store, shards, bootstrap and peers; a node whose silo is down is reported, not skipped (<see cref="ClusterStatusReader"/>).</summary>
    public async Task<ClusterStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        var status = await new ClusterStatusReader(Grains, ReplicaSet).ReadAsync(cancellationToken);
        Volatile.Write(ref _topology, status.Topology);
        return status;
    }

    /// <summary>The node whose silo holds the replica set grain now, as the grain answers.</summary>
    public Task<string> ReplicaSetGrainHostAsync() => ReplicaSetGrain.GetHostAsync();

    /// <summary>
    /// A grain call that failed because a node or the cluster could not be reached (or is still starting), rather than a refusal.
    /// A cancellation counts unless it is the caller's own (<paramref name="cancellationToken"/>): a silo cancels a call
    /// whose grain directory partition moved because its owner died.
    /// </summary>
    public static bool IsUnreachable(Exception e, CancellationToken cancellationToken = default) =>
        e is OrleansException or TimeoutException or InvalidOperationException or HttpRequestException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }
}
