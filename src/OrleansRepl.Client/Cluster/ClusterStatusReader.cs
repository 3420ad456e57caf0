using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Client.Cluster;

/// <summary>
/// Reads a replica set whole from its grains (<see cref="ClusterStatus"/>), through any grain factory: an Orleans
/// client's (<c>orepl status</c>) or a silo's own (the replication page). Nothing is polled or kept: each read asks
/// the grains once.
/// </summary>
public sealed class ClusterStatusReader(IGrainFactory grains, string replicaSet)
{
    /// <summary>How long a read waits for a node's first answer.</summary>
    public static readonly TimeSpan NodeStatusPatience = TimeSpan.FromSeconds(3);

    /// <summary>Every member's store, shards, bootstrap and peers; a node whose silo is down is reported, not skipped.</summary>
    public async Task<ClusterStatus> ReadAsync(CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grains);
        cancellationToken.ThrowIfCancellationRequested();
        var set = grains.ReplicaSet(replicaSet);
        var topology = await set.GetTopologyAsync();
        var live = (await grains.MembershipView().ActiveNodesAsync()).ToHashSet(StringComparer.Ordinal);
        var nodes = new List<NodeView>();
        foreach (var node in topology.Nodes.Select(n => n.NodeId).Concat(live.Order(StringComparer.Ordinal)).Distinct())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!live.Contains(node))
            {
                nodes.Add(new NodeView(node, null, null, "no live silo", [], null, []));
                continue;
            }

            NodeStatus? status = null;
            string? error = null;
            var shards = new List<ShardStatus>();
            var peers = new List<PeerStatus>();
            BootstrapStatus? bootstrap = null;
            try
            {
                // A silo that died but is not yet declared dead leaves each call waiting on its connection: the node is
                // given a few seconds in all, and reported as not answering.
                status = await grains.Node(node).GetStatusAsync().WaitAsync(NodeStatusPatience, cancellationToken);
                bootstrap = await grains.Bootstrap(node).GetStatusAsync();
                for (var shard = 0; shard < topology.ShardCount; shard++)
                {
                    shards.Add(await grains.Shard(node, shard).GetStatusAsync());
                }

                foreach (var peer in topology.PeersOf(node))
                {
                    peers.Add(await grains.Peer(node, peer).GetStatusAsync());
                }
            }
            catch (TimeoutException) when (status is null)
            {
                error = $"no answer within {NodeStatusPatience.TotalSeconds:0} s; its silo may be down and not yet declared dead";
            }
            catch (Exception e) when (ClusterClient.IsUnreachable(e, cancellationToken))
            {
                error = e.Message.Split('\n')[0].Trim(); // the node went away meanwhile, or is starting: what was read is shown
            }

            nodes.Add(new NodeView(node, status?.ApiUrl is { } api ? new Uri(api) : null, status, error, shards, bootstrap, peers));
        }

        return new ClusterStatus(topology, nodes, await set.GetLeasesAsync(), await set.GetLastChangeAsync(), await set.GetHostAsync());
    }
}
