using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Placement;

namespace OrleansRepl.Grains.Topology;

/// <summary>
/// Keeps a replica set's topology. Every change is made on a copy and becomes the grain's state only once written,
/// so a failed write leaves the topology (and the epoch every node polls) as it was; then it is announced to the
/// member nodes (best effort, outside the turn: a node that misses it learns at its next poll).
/// <para>
/// It also grants the leaders' leases (<see cref="LeaseTable"/>), which live in this activation's memory only. So an
/// activation first takes charge: it raises the state's generation with a conditional write, and assumes every leader
/// holds its lease for a full lease from then, since an earlier activation may have granted one. Before each grant it
/// reads the state back: an activation that finds another generation has been replaced, and grants nothing more.
/// </para>
/// <para>
/// It lives away from the leaders (<see cref="AwayFromLeadersPlacement"/>), and moves when a change makes its silo's
/// node a leader while another node leads fewer shards: a leader's silo that dies then takes only the leader, and the
/// failover starts from the lease the grain knows rather than from a full lease a new activation must assume.
/// </para>
/// </summary>
[AwayFromLeadersPlacement]
public sealed partial class ReplicaSetGrain(
    [PersistentState("replicaset", GrainStorageNames.Shared)] IPersistentState<ReplicaSetState> state,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    LeadershipHints hints,
    ILogger<ReplicaSetGrain> logger) : Grain, IReplicaSetGrain
{
    /// <summary>How often the grain looks for leaders whose lease lapsed: in memory only, so cheap.</summary>
    private static readonly TimeSpan WatchEvery = TimeSpan.FromMilliseconds(100);

    /// <summary>A look this long after the last one means the grain itself was stalled.</summary>
    private static readonly TimeSpan StalledAfter = TimeSpan.FromSeconds(1);

    private readonly LeaseTable _leases = new();
    private readonly MemberReports _reports = new();
    private readonly long _origin = Stopwatch.GetTimestamp();
    private long? _generation;
    private IGrainTimer? _watch;
    private string _lastStuck = "";
    private TimeSpan _lastWatch;
    private string? _lastFailure;
    private bool _moveWanted;
    private TimeSpan? _moveAskedAt;

    public async Task<ReplicaSetTopology> AddNodeAsync(string node, string replicationAddress, int shardCount)
    {
        SafeName.Check(node, "node id");
        await TakeChargeAsync();
        ArgumentException.ThrowIfNullOrWhiteSpace(replicationAddress);
        var set = state.State.Copy();
        if (set.Nodes.Any(n => n.NodeId == node))
        {
            throw new InvalidOperationException($"node {node} is already a member of replica set {GrainKey}");
        }

        if (set.Nodes.Count == 0)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(shardCount, 1);
            (set.Epoch, set.ShardCount, set.Leaders) = (Math.Max(1, set.Epoch), shardCount, [.. Enumerable.Repeat(node, shardCount)]);
        }
        else if (shardCount != set.ShardCount)
        {
            throw new InvalidOperationException($"node {node} has {shardCount} shards; replica set {GrainKey} has {set.ShardCount}");
        }

        foreach (var member in set.Nodes)
        {
            set.Peers.Add(new PeerLink(node, member.NodeId));
            set.Peers.Add(new PeerLink(member.NodeId, node));
        }

        set.Nodes.Add(new TopologyNode(node, replicationAddress));
        var added = await CommitAsync(set);
        Watch();
        return added;
    }

    public async Task<ReplicaSetTopology> RemoveNodeAsync(string node)
    {
        await TakeChargeAsync();
        var set = state.State.Copy();
        if (set.Nodes.All(n => n.NodeId != node))
        {
            throw new InvalidOperationException($"node {node} is not a member of replica set {GrainKey}");
        }

        if (Current().ShardsLedBy(node) is { Count: > 0 } led)
        {
            throw new InvalidOperationException($"node {node} leads shards {string.Join(',', led)} of replica set {GrainKey}; promote another node first");
        }

        if (set.Nodes.Count - 2 < set.DefaultAcks)
        {
            throw new InvalidOperationException($"removing node {node} would leave replica set {GrainKey} {set.Nodes.Count - 2} followers, fewer than its default acks ({set.DefaultAcks}); lower it first");
        }

        set.Nodes.RemoveAll(n => n.NodeId == node);
        set.Peers.RemoveAll(p => p.Node == node || p.Peer == node);
        return await CommitAsync(set);
    }

    public async Task<ReplicaSetTopology> SetDefaultAcksAsync(int acks)
    {
        await TakeChargeAsync();
        var set = state.State.Copy();
        var followers = Math.Max(0, set.Nodes.Count - 1);
        if (acks < 0 || acks > followers)
        {
            throw new ArgumentOutOfRangeException(nameof(acks), acks, $"replica set {GrainKey} has {followers} followers of each shard; the default acks must be 0..{followers}");
        }

        set.DefaultAcks = acks;
        return await CommitAsync(set);
    }

    public Task<LeaderChange?> GetLastChangeAsync() => Task.FromResult(state.State.LastChange);

    public Task<string> GetHostAsync() => Task.FromResult(silo.Name);

    public async Task<ReplicaSetTopology> SetLeaseAsync(int milliseconds)
    {
        if (milliseconds is < LeaseLength.MinMilliseconds or > LeaseLength.MaxMilliseconds)
        {
            throw new ArgumentOutOfRangeException(nameof(milliseconds), milliseconds, $"replica set {GrainKey}: a lease must last {LeaseLength.MinMilliseconds}..{LeaseLength.MaxMilliseconds} ms");
        }

        await TakeChargeAsync();
        var set = state.State.Copy();
        (set.PreviousLeaseMilliseconds, set.LeaseMilliseconds) = (set.EffectiveLeaseMilliseconds, milliseconds);
        return await CommitAsync(set); // leases granted already keep the length they were granted for
    }

    public async Task<LeaseGrant> RenewLeaseAsync(string node, long epoch, NodeReport? report = null)
    {
        await TakeChargeAsync();
        if (state.State.Nodes.Any(n => n.NodeId == node))
        {
            // Heard from, whatever the storage read below does: a slow or failing read stops grants (and so, within a
            // lease, writes), but must not make a live leader look silent and be failed over.
            _reports.Record(node, report ?? _reports.Of(node) ?? NodeReport.None, Now);
        }

        await state.ReadStateAsync();
        if (StepAsideIfReplaced() is { } replaced)
        {
            throw new InvalidOperationException($"replica set {GrainKey}: this activation (generation {replaced}) was replaced by generation {state.State.Generation}; ask again");
        }

        var set = state.State;
        if (set.Nodes.All(n => n.NodeId != node))
        {
            return LeaseGrant.None(set.Epoch); // a non-member holds nothing
        }

        if (epoch != set.Epoch)
        {
            return LeaseGrant.None(set.Epoch); // a node behind the topology reads it first
        }

        var shards = _leases.Renew(node, set.Leaders, Now, TimeSpan.FromMilliseconds(set.EffectiveLeaseMilliseconds));
        return new LeaseGrant(set.Epoch, shards, set.EffectiveLeaseMilliseconds);
    }

    public async Task<ShardLease[]> GetLeasesAsync()
    {
        if (!state.RecordExists)
        {
            return []; // no such replica set (yet): nothing is leased, and looking writes nothing
        }

        await TakeChargeAsync();
        return _leases.Snapshot(state.State.ShardCount, Now);
    }

    public Task<ReplicaSetTopology> GetTopologyAsync() => Task.FromResult(Current());

    private TimeSpan Now => Stopwatch.GetElapsedTime(_origin);

    /// <summary>
    /// Once per activation, before it grants a lease or changes the topology: raises the generation (a conditional
    /// write, so of two activations only one takes charge) and counts every leader as holding its lease for the
    /// longest lease in force, from now.
    /// </summary>
    private async Task TakeChargeAsync()
    {
        if (_generation is not null)
        {
            return;
        }

        await state.ReadStateAsync();
        var next = state.State.Copy();
        next.Generation++;
        await state.WriteReplacedAsync(next);
        var longest = TimeSpan.FromMilliseconds(Math.Max(next.EffectiveLeaseMilliseconds, next.PreviousLeaseMilliseconds));
        _leases.AssumeHeld(next.Leaders, Now + longest + LeaseLength.Drift(longest));
        _reports.Reset(Now);
        _generation = next.Generation;
        LogTookCharge(logger, GrainKey, next.Generation, next.Epoch, longest.TotalMilliseconds);
        Watch();
    }

    /// <summary>After a failed write: reads the state back, to find whether another activation has raised the generation.</summary>
    private async Task StepAsideIfReplacedAsync()
    {
        try
        {
            await state.ReadStateAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return; // storage is down: the failed write was logged, and the next look tries again
        }

        StepAsideIfReplaced();
    }

    /// <summary>
    /// When the state just read carries another generation than this activation's: it stops granting and watching,
    /// deactivates, and returns the generation it had (should calls still come here, it takes charge again first).
    /// </summary>
    private long? StepAsideIfReplaced()
    {
        if (state.State.Generation == _generation)
        {
            return null;
        }

        var replaced = _generation ?? 0;
        LogReplaced(logger, GrainKey, replaced, state.State.Generation);
        _generation = null;
        DeactivateOnIdle();
        return replaced;
    }

    /// <summary>Starts watching the leaders once the replica set has a follower to fail over to; the timer keeps the grain active.</summary>
    private void Watch()
    {
        if (_watch is null && _generation is not null && state.State.Nodes.Count > 1)
        {
            _lastWatch = Now;
            _watch = this.RegisterGrainTimer(WatchLeadersAsync, new GrainTimerCreationOptions(WatchEvery, WatchEvery) { KeepAlive = true });
        }
    }

    /// <summary>Fails over every shard whose leader has been silent past its lease (<see cref="FailoverPlan"/>), under one new epoch.</summary>
    private async Task WatchLeadersAsync(CancellationToken cancellationToken)
    {
        if (_generation is null)
        {
            return; // replaced: it grants and changes nothing until it takes charge again
        }

        var lease = TimeSpan.FromMilliseconds(state.State.EffectiveLeaseMilliseconds);
        var now = Now;
        if (now - _lastWatch > StalledAfter)
        {
            // This grain did not run for a while (its silo paused, or starved of CPU): the members may have renewed
            // in vain meanwhile. Rather than fail over a leader for the grain's own silence, each gets a lease to report.
            LogStalled(logger, GrainKey, (now - _lastWatch).TotalMilliseconds);
            _reports.Pardon(now);
        }

        _lastWatch = now;
        if (_moveWanted)
        {
            MoveAwayFromLeaders();
        }
        var plan = FailoverPlan.For(state.State, _reports, _leases, now, lease);
        var stuck = string.Join("; ", plan.Stuck);
        if (stuck != _lastStuck)
        {
            _lastStuck = stuck;
            if (stuck.Length > 0)
            {
                LogFailoverStuck(logger, GrainKey, stuck);
            }
        }

        if (plan.Moves.Count == 0)
        {
            return;
        }

        var next = state.State.Copy();
        next.Epoch++;
        foreach (var move in plan.Moves)
        {
            next.Leaders[move.Shard] = move.To;
        }

        var silent = string.Join(", ", plan.Moves.Select(m => m.From).Distinct().Select(n => $"{n} for {(Now - _reports.LastHeard(n)).TotalSeconds:0.0} s"));
        next.LastChange = new LeaderChange(DateTimeOffset.UtcNow, $"failover: no lease renewal from {silent}, past the {lease.TotalMilliseconds:0} ms lease", next.Epoch, Automatic: true, Forced: false, [.. plan.Moves]);
        try
        {
            await CommitAsync(next);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            if (e.Message != _lastFailure)
            {
                _lastFailure = e.Message; // logged once while it lasts: the next look, 100 ms on, tries again
                LogFailoverFailed(logger, GrainKey, e.Message);
            }

            await StepAsideIfReplacedAsync(); // a version conflict: another activation took charge
            return;
        }

        _lastFailure = null;

        foreach (var move in plan.Moves)
        {
            LogFailedOver(logger, GrainKey, move.Shard, move.From, move.To, next.Epoch, move.FromLsn ?? -1, move.ToLsn ?? -1);
        }
    }

    private string GrainKey => this.GetPrimaryKeyString();

    // Arrays, not collection expressions: a grain call carries the concrete list type, and Orleans has codecs for arrays.
    private ReplicaSetTopology Current() =>
        new(GrainKey, state.State.Epoch, state.State.ShardCount, state.State.Nodes.ToArray(), state.State.Leaders.ToArray(), state.State.Peers.ToArray(), state.State.DefaultAcks, state.State.EffectiveLeaseMilliseconds);

    private async Task<ReplicaSetTopology> CommitAsync(ReplicaSetState next)
    {
        await state.WriteReplacedAsync(next); // not written: not the topology

        var topology = Current();
        var grains = GrainFactory;
        _ = Task.Run(async () =>
        {
            foreach (var node in topology.Nodes)
            {
                try
                {
                    await grains.Node(node.NodeId).TopologyChangedAsync(topology);
                }
                catch (Exception e)
                {
                    LogAnnounceFailed(logger, topology.ReplicaSet, topology.Epoch, node.NodeId, e.Message); // it learns at its next poll
                }
            }
        });
        MoveAwayFromLeaders();
        return topology;
    }
}
