using System.Collections.Immutable;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Silo.Node;

/// <summary>
/// What this silo's node is right now: its open store (none while a bootstrap replaces it), the topology it last
/// learned, and the shards it takes writes for. The supervisor changes it; the gateway and grains read it.
/// A shard is writable only while the topology names this node its leader and no follower of it runs here, so a
/// write can never interleave with a batch from another leader.
/// </summary>
public sealed class LocalNode(string nodeId, NodeCredentials credentials, StoreOptions storeOptions, string storeDirectory)
{
    private volatile LogStore? _store;
    private volatile ReplicaSetTopology? _topology;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, int> _inFlight = [];
    private ImmutableHashSet<int> _writable = [];

    public string NodeId { get; } = nodeId;

    public NodeCredentials Credentials { get; } = credentials;

    public StoreOptions StoreOptions { get; } = storeOptions;

    /// <summary>What this node's feeder has heard from followers: their acknowledged LSNs, per shard and epoch.</summary>
    public Core.Replication.Streaming.ReplicaProgress Replicas { get; } = new();

    public string StoreDirectory { get; } = storeDirectory;

    /// <summary>The open store, or null while it is closed.</summary>
    public LogStore? Store => _store;

    public ReplicaSetTopology? Topology => _topology;

    /// <summary>What the node is doing, for status: "starting", "serving" or "bootstrapping".</summary>
    public string State { get; internal set; } = "starting";

    public bool IsWritable(int shard) => Volatile.Read(ref _writable).Contains(shard);

    internal void SetStore(LogStore? store) => _store = store;

    /// <summary>
    /// Takes <paramref name="topology"/> if it is newer (epoch first, then membership changes at the same epoch);
    /// true when taken. Shards it no longer names this node the leader of stop taking writes before this returns.
    /// </summary>
    internal bool Offer(ReplicaSetTopology topology)
    {
        lock (_gate)
        {
            if (_topology is { } current && !IsNewer(topology, current))
            {
                return false;
            }

            _topology = topology;
            _writable = [.. _writable.Where(s => LeadsHere(topology, s))];
            return true;
        }
    }

    /// <summary>Opens <paramref name="shards"/> for writes, those of them that <paramref name="basis"/>, still the current topology, says this node leads.</summary>
    internal void SetWritable(IEnumerable<int> shards, ReplicaSetTopology? basis)
    {
        lock (_gate)
        {
            if (basis is not null && ReferenceEquals(basis, _topology))
            {
                _writable = [.. shards.Where(s => LeadsHere(basis, s))];
            }
        }
    }

    /// <summary>Admits a write to <paramref name="shard"/> if it is writable now; an admitted write must end with <see cref="EndWrite"/>.</summary>
    public bool TryBeginWrite(int shard)
    {
        lock (_gate)
        {
            if (!_writable.Contains(shard))
            {
                return false;
            }

            _inFlight[shard] = _inFlight.GetValueOrDefault(shard) + 1;
            return true;
        }
    }

    public void EndWrite(int shard)
    {
        lock (_gate)
        {
            _inFlight[shard]--;
        }
    }

    /// <summary>Waits until no admitted write to <paramref name="shard"/> is still running (it was fenced before).</summary>
    internal async Task DrainWritesAsync(int shard, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_inFlight.GetValueOrDefault(shard) == 0)
                {
                    return;
                }
            }

            await Task.Delay(5, cancellationToken);
        }
    }

    private bool LeadsHere(ReplicaSetTopology topology, int shard) => shard < topology.Leaders.Count && topology.Leaders[shard] == NodeId;

    private static bool IsNewer(ReplicaSetTopology offered, ReplicaSetTopology current) =>
        offered.Epoch > current.Epoch
        || (offered.Epoch == current.Epoch && (!offered.Nodes.SequenceEqual(current.Nodes) || !offered.Peers.SequenceEqual(current.Peers) || !offered.Leaders.SequenceEqual(current.Leaders) || offered.DefaultAcks != current.DefaultAcks));
}
