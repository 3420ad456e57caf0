using System.Collections.Immutable;
using System.Diagnostics;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Silo.Node;

/// <summary>
/// What this silo's node is right now: its open store (none while a bootstrap replaces it), the topology it last
/// learned, and the shards it takes writes for. The supervisor changes it; the gateway and grains read it.
/// A shard is writable only while the topology names this node its leader, no follower of it runs here (so a write
/// can never interleave with a batch from another leader), and this node holds the shard's lease (so a leader cut off
/// from the control plane stops within a lease, before any other node may lead the shard).
/// </summary>
public sealed class LocalNode(string nodeId, NodeCredentials credentials, StoreOptions storeOptions, string storeDirectory)
{
    private volatile LogStore? _store;
    private volatile ReplicaSetTopology? _topology;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, int> _inFlight = [];
    private readonly Dictionary<int, long> _acknowledged = [];
    private ImmutableHashSet<int> _writable = [];
    private ImmutableDictionary<int, long> _leases = ImmutableDictionary<int, long>.Empty; // shard → Stopwatch timestamp it lapses at
    private TaskCompletionSource _nextTopology = new(TaskCreationOptions.RunContinuationsAsynchronously);

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

    public bool IsWritable(int shard) => Volatile.Read(ref _writable).Contains(shard) && HoldsLease(shard);

    /// <summary>Whether this node holds <paramref name="shard"/>'s lease now.</summary>
    public bool HoldsLease(int shard) => Volatile.Read(ref _leases).TryGetValue(shard, out var until) && Stopwatch.GetTimestamp() < until;

    /// <summary>Whether this node leads <paramref name="shard"/> and would take writes for it, but holds no lease on it.</summary>
    public bool LeadsWithoutLease(int shard) => Volatile.Read(ref _writable).Contains(shard) && !HoldsLease(shard);

    /// <summary>The shards whose leases this node holds now.</summary>
    public IReadOnlyList<int> LeasedShards()
    {
        var now = Stopwatch.GetTimestamp();
        return [.. Volatile.Read(ref _leases).Where(l => now < l.Value).Select(l => l.Key).Order()];
    }

    /// <summary>Notes that a write through <paramref name="lsn"/> of <paramref name="shard"/> was acknowledged to a client with acks of one or more.</summary>
    public void NoteAcknowledged(int shard, long lsn)
    {
        lock (_gate)
        {
            _acknowledged[shard] = Math.Max(_acknowledged.GetValueOrDefault(shard), lsn);
        }
    }

    /// <summary>
    /// What this node reports with each lease renewal: per shard, the last LSN its store holds committed (none while
    /// it is closed), and the last it acknowledged with acks of one or more since it started.
    /// </summary>
    public NodeReport Report()
    {
        var store = Store;
        var shards = store?.ShardCount ?? Topology?.ShardCount ?? 0;
        lock (_gate)
        {
            return new NodeReport(store is null ? [] : [.. Enumerable.Range(0, shards).Select(s => store.NextLsn(s) - 1)], [.. Enumerable.Range(0, shards).Select(s => _acknowledged.GetValueOrDefault(s))]);
        }
    }

    /// <summary>When the last lease renewal was answered (a Stopwatch timestamp; 0: never).</summary>
    public long LeaseRenewedAt { get; private set; }

    /// <summary>Why the last lease renewal failed; null once one succeeds.</summary>
    public string? LeaseError { get; internal set; }

    /// <summary>Completes when the next topology is taken.</summary>
    public Task NextTopology => Volatile.Read(ref _nextTopology).Task;

    /// <summary>
    /// Takes a renewal's answer: under the current epoch, exactly the granted shards are leased, until the grant's
    /// length from <paramref name="askedAt"/> (a Stopwatch timestamp taken before asking, so this node's lease ends
    /// before the grain's count of it). A grant under another epoch changes nothing: false.
    /// </summary>
    internal bool ApplyLease(LeaseGrant grant, long askedAt)
    {
        lock (_gate)
        {
            if (_topology?.Epoch != grant.Epoch)
            {
                return false;
            }

            var until = askedAt + (grant.Milliseconds * Stopwatch.Frequency / 1000);
            Volatile.Write(ref _leases, grant.Shards.ToImmutableDictionary(s => s, _ => until));
            LeaseRenewedAt = Stopwatch.GetTimestamp();
            LeaseError = null;
            return true;
        }
    }

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
            var taken = _nextTopology;
            _nextTopology = new(TaskCreationOptions.RunContinuationsAsynchronously);
            taken.TrySetResult();
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
            if (!_writable.Contains(shard) || !HoldsLease(shard))
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
        || (offered.Epoch == current.Epoch && (!offered.Nodes.SequenceEqual(current.Nodes) || !offered.Peers.SequenceEqual(current.Peers) || !offered.Leaders.SequenceEqual(current.Leaders) || offered.DefaultAcks != current.DefaultAcks || offered.LeaseMilliseconds != current.LeaseMilliseconds));
}
