using System.Net;
using Microsoft.Extensions.Options;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Silo.Hosting;
using OrleansRepl.Silo.Node;

namespace OrleansRepl.Silo.Workers;

/// <summary>
/// Runs this node's stream workers as the control plane says. Once a second (or at once when a new topology is
/// announced) it reads the replica set's topology and this node's bootstrap request, then reconciles:
/// <list type="bullet">
/// <item>a bootstrap that is requested or running replaces the store first (every other worker stops meanwhile);</item>
/// <item>the feeder serves the open store on the replication port under the topology's epoch;</item>
/// <item>one follower per shard another member leads, unless its ShardGrain is paused;</item>
/// <item>one anti-entropy loop per peer link of this node.</item>
/// </list>
/// Everything it starts comes from durable state (topology, cursors, intents), so a restarted silo resumes
/// where the killed one stopped. Stopping saves every cursor: followers write theirs as they end.
/// The calls go one way, from here to grains; the control plane reaches the workers only through the node grain,
/// to which every tick attaches them (<see cref="NodeWorkers"/>, an Orleans observer).
/// </summary>
public sealed partial class ReplicationSupervisor : BackgroundService
{
    private readonly LocalNode _node;
    private readonly NodeOptions _options;
    private readonly SiloHostOptions _silo;
    private readonly NodeWorkers _workers;
    private INodeWorkers? _workersReference;
    private readonly IGrainFactory _grains;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<ReplicationSupervisor> _logger;
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue); // Wake keeps it at one at most
    private readonly Dictionary<int, FollowerRun> _followers = [];
    private readonly Dictionary<string, AntiEntropyRun> _peers = [];
    private readonly Dictionary<int, DateTimeOffset> _failedAt = [];
    private readonly HashSet<int> _paused = [];
    private Feeder? _feeder;
    private SnapshotSource? _snapshots;
    private string? _topologyError;
    private IReadOnlySet<int> _following = new HashSet<int>();

    public ReplicationSupervisor(LocalNode node, IOptions<NodeOptions> options, IOptions<SiloHostOptions> silo, IGrainFactory grains, ILoggerFactory loggers)
    {
        _node = node;
        _options = options.Value;
        _silo = silo.Value;
        _workers = new NodeWorkers(node, this, $"{_silo.Host}:{_silo.ReplicationPort}", $"{(node.Credentials.Tls is null ? "http" : "https")}://{_silo.Host}:{_silo.HttpPort}/");
        _grains = grains;
        _loggers = loggers;
        _logger = loggers.CreateLogger<ReplicationSupervisor>();
    }

    /// <summary>Whether a follower of <paramref name="shard"/> runs now.</summary>
    public bool IsFollowing(int shard) => Volatile.Read(ref _following).Contains(shard);

    /// <summary>Reconciles now rather than at the next poll.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release(); // one pending wake is enough: a tick reconciles everything
        }
    }

    /// <summary>Starts a cycle with <paramref name="peer"/> now; false when this node runs no loop for it.</summary>
    public bool SyncNow(string peer)
    {
        lock (_peers)
        {
            if (!_peers.TryGetValue(peer, out var run))
            {
                return false;
            }

            run.Loop.SyncNow();
            return true;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_node.Credentials.Tls is { } tls)
        {
            tls.LogTo(_loggers.CreateLogger<Core.Security.TlsIdentity>());
            LogTlsOn(_logger, _node.NodeId, tls.Describe(), tls.CaFile);
        }
        else
        {
            LogPlaintext(_logger, _node.NodeId);
        }

        var poll = TimeSpan.FromSeconds(_options.TopologyPollSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogTickFailed(_logger, _node.NodeId, e);
            }

            try
            {
                await _wake.WaitAsync(poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _node.SetWritable([], _node.Topology);
        for (var shard = 0; shard < (_node.Store?.ShardCount ?? 0); shard++)
        {
            await _node.DrainWritesAsync(shard, cancellationToken); // writes already admitted finish before the store closes
        }

        await StopWorkersAsync();
        await CloseStoreAsync();
        LogStopped(_logger, _node.NodeId);
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        await AttachAsync();
        await RefreshTopologyAsync();
        var bootstrap = await _grains.Bootstrap(_node.NodeId).GetStatusAsync();
        if (bootstrap.State is "requested" or "running")
        {
            await RunBootstrapAsync(bootstrap, cancellationToken);
            return;
        }

        if (!TryOpenStore())
        {
            await RepairDamageAsync();
            return;
        }

        await ReconcileFollowersAsync(cancellationToken);
        await ReconcileAntiEntropyAsync();
        _node.State = "serving";
    }

    /// <summary>
    /// Attaches the workers to this node's grain. Every tick: a grain that was deactivated (idle, or its silo
    /// restarted) is attached again within a poll. The reference is kept here, as Orleans holds observers weakly.
    /// </summary>
    private async Task AttachAsync()
    {
        _workersReference ??= _grains.CreateObjectReference<INodeWorkers>(_workers);
        await _grains.Node(_node.NodeId).AttachAsync(_workersReference);
    }

    private async Task RefreshTopologyAsync()
    {
        try
        {
            var topology = await _grains.ReplicaSet(_options.ReplicaSet).GetTopologyAsync();
            if (_node.Offer(topology))
            {
                LogTopology(_logger, _node.NodeId, topology.ReplicaSet, topology.Epoch, string.Join(',', topology.Leaders.Distinct()), topology.Nodes.Count);
            }

            _topologyError = null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (_topologyError != e.Message)
            {
                _topologyError = e.Message;
                LogTopologyUnavailable(_logger, _options.ReplicaSet, e.Message); // the last known topology stays in force
            }
        }
    }

    /// <summary>Opens the store and starts the feeder on it, if they are not running.</summary>
    /// <param name="installed">What a bootstrap that just wrote the store learned of it: its sealed segments are not read again.</param>
    private void OpenStore(Core.Storage.Index.InstalledIndex? installed = null)
    {
        if (_node.Store is not null)
        {
            return;
        }

        var shards = LogStore.StoredShardCount(_node.StoreDirectory) ?? _options.ShardCount;
        var store = LogStore.Open(_node.StoreDirectory, _node.StoreOptions with { ShardCount = shards }, installed);
        try
        {
            _snapshots = new SnapshotSource(store, _node.Credentials, _options.Snapshots, _loggers.CreateLogger<SnapshotSource>());
            _feeder = new Feeder(store, _node.Credentials, _options.Streaming, () => _node.Topology?.Epoch ?? 0, _loggers.CreateLogger<Feeder>(), _snapshots, _node.Replicas);
            _feeder.Start(new IPEndPoint(IPAddress.Parse(_silo.Host), _silo.ReplicationPort));
        }
        catch
        {
            // The feeder could not start (its port taken, say): close the store again, so the next poll's retry does
            // not find it locked by this very process, and the error it logs is this one.
            _feeder = null;
            _snapshots?.Dispose();
            _snapshots = null;
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw;
        }

        _node.SetStore(store);
        LogStoreOpen(_logger, _node.NodeId, _node.StoreDirectory, shards, _feeder.EndPoint.ToString());
    }

    private async Task CloseStoreAsync()
    {
        var store = _node.Store;
        _node.SetStore(null);
        if (_feeder is not null)
        {
            await _feeder.DisposeAsync();
            _feeder = null;
        }

        _snapshots?.Dispose();
        _snapshots = null;
        if (store is not null)
        {
            await store.DisposeAsync();
        }
    }

    private async Task StopWorkersAsync()
    {
        foreach (var (shard, run) in _followers.ToList())
        {
            await StopRunAsync(run, $"the follower of shard {shard}"); // the follower saves its cursor as it ends
            _followers.Remove(shard);
            try
            {
                await _grains.Shard(_node.NodeId, shard).FlushAsync();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogFlushFailed(_logger, _node.NodeId, shard, e.Message); // the grain writes it as it deactivates
            }
        }

        Volatile.Write(ref _following, new HashSet<int>());

        List<AntiEntropyRun> loops;
        lock (_peers)
        {
            loops = [.. _peers.Values];
            _peers.Clear();
        }

        foreach (var run in loops)
        {
            await StopRunAsync(run, $"the anti-entropy loop with {run.Address}");
        }
    }

    /// <summary>Stops a worker; one that ended by an exception is reported, never rethrown.</summary>
    private async Task StopRunAsync(WorkerRun run, string what)
    {
        if (await run.StopAsync() is { } error)
        {
            LogWorkerEndedByError(_logger, _node.NodeId, what, error.GetType().Name, error.Message);
        }
    }

    public override void Dispose()
    {
        // The workers' observer reference needs no deleting: it ends with the silo, which has stopped by now.
        _wake.Dispose();
        base.Dispose();
    }
}
