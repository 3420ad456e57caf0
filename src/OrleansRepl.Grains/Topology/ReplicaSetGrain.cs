using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Topology;

/// <summary>
/// Keeps a replica set's topology. Every change is made on a copy and becomes the grain's state only once written,
/// so a failed write leaves the topology (and the epoch every node polls) as it was; then it is announced to the
/// member nodes (best effort, outside the turn: a node that misses it learns at its next poll).
/// </summary>
public sealed partial class ReplicaSetGrain([PersistentState("replicaset", GrainStorageNames.Shared)] IPersistentState<ReplicaSetState> state, ILogger<ReplicaSetGrain> logger) : Grain, IReplicaSetGrain
{
    public async Task<ReplicaSetTopology> AddNodeAsync(string node, string replicationAddress, int shardCount)
    {
        SafeName.Check(node, "node id");
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
        return await CommitAsync(set);
    }

    public async Task<ReplicaSetTopology> RemoveNodeAsync(string node)
    {
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
        var set = state.State.Copy();
        var followers = Math.Max(0, set.Nodes.Count - 1);
        if (acks < 0 || acks > followers)
        {
            throw new ArgumentOutOfRangeException(nameof(acks), acks, $"replica set {GrainKey} has {followers} followers of each shard; the default acks must be 0..{followers}");
        }

        set.DefaultAcks = acks;
        return await CommitAsync(set);
    }

    public async Task<ReplicaSetTopology> PromoteAsync(string node)
    {
        var set = state.State.Copy();
        if (set.Nodes.All(n => n.NodeId != node))
        {
            throw new InvalidOperationException($"node {node} is not a member of replica set {GrainKey}; add it first");
        }

        set.Epoch++;
        set.Leaders = [.. Enumerable.Repeat(node, set.ShardCount)];
        return await CommitAsync(set);
    }

    public Task<ReplicaSetTopology> GetTopologyAsync() => Task.FromResult(Current());

    private string GrainKey => this.GetPrimaryKeyString();

    // Arrays, not collection expressions: a grain call carries the concrete list type, and Orleans has codecs for arrays.
    private ReplicaSetTopology Current() =>
        new(GrainKey, state.State.Epoch, state.State.ShardCount, state.State.Nodes.ToArray(), state.State.Leaders.ToArray(), state.State.Peers.ToArray(), state.State.DefaultAcks);

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
        return topology;
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "replica set {ReplicaSet} epoch {Epoch} could not be announced to node {Node} now ({Reason}); it learns at its next poll")]
    private static partial void LogAnnounceFailed(ILogger logger, string replicaSet, long epoch, string node, string reason);
}
