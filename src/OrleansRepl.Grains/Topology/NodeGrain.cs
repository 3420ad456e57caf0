using OrleansRepl.Grains.Keys;
using OrleansRepl.Placement;

namespace OrleansRepl.Grains.Topology;

/// <summary>
/// The control plane's way to a node's workers. It lives on the node's own silo, which attaches its workers as an
/// observer and attaches them again every tick, so a reactivated grain is reattached within a second. Nothing here is
/// durable: the node's durable control state is in its shard, peer and bootstrap grains.
/// </summary>
[NodeAffinePlacement]
public sealed class NodeGrain : Grain, INodeGrain
{
    private INodeWorkers? _workers;

    public Task AttachAsync(INodeWorkers workers)
    {
        _workers = workers ?? throw new ArgumentNullException(nameof(workers));
        return Task.CompletedTask;
    }

    public Task<NodeStatus> GetStatusAsync() => Workers().GetStatusAsync();

    public Task TopologyChangedAsync(ReplicaSetTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        return Workers().TopologyChangedAsync(topology);
    }

    public async Task SyncNowAsync(string peer)
    {
        if (!await Workers().SyncNowAsync(peer))
        {
            throw new InvalidOperationException($"node {Node} runs no anti-entropy loop for peer {peer} (is it a peer in the topology?)");
        }
    }

    public Task DirectivesChangedAsync() => Workers().DirectivesChangedAsync();

    private string Node => NodeKey.Parse(this.GetPrimaryKeyString()).Node;

    private INodeWorkers Workers() =>
        _workers ?? throw new InvalidOperationException($"node {Node}'s silo is up but its replication workers have not attached yet (the node is starting); try again shortly");
}
