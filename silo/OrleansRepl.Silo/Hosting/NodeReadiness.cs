using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using OrleansRepl.Silo.Node;
using OrleansRepl.Silo.Workers;

namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// Whether this node is ready for traffic, for orchestrators (<c>/health/ready</c>): its store is open, its silo is
/// active in the cluster membership, it is a member of its replica set, and every shard is served (led, holding
/// the lease) or followed. Each failing condition is named, with the numbers. Evaluated only when asked: nothing
/// runs while no one asks.
/// </summary>
public sealed class NodeReadiness(LocalNode node, ReplicationSupervisor supervisor, IClusterMembershipService membership, ILocalSiloDetails silo, IOptions<NodeOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var status = membership.CurrentSnapshot.Members.TryGetValue(silo.SiloAddress, out var member) ? member.Status : SiloStatus.None;
        if (status != SiloStatus.Active)
        {
            problems.Add($"this silo is {status} in the cluster membership, not Active");
        }

        var topology = node.Topology;
        if (node.Store is not { } store)
        {
            problems.Add($"the store is closed (node state: {node.State})");
        }
        else if (topology is null || topology.Node(node.NodeId) is null)
        {
            problems.Add($"node {node.NodeId} is not a member of replica set {options.Value.ReplicaSet} (epoch {topology?.Epoch ?? 0}); add it with orepl add-node");
        }
        else
        {
            for (var shard = 0; shard < store.ShardCount && shard < topology.Leaders.Count; shard++)
            {
                var leader = topology.Leaders[shard];
                if (leader == node.NodeId && !node.IsWritable(shard))
                {
                    problems.Add($"shard {shard}: this node leads it at epoch {topology.Epoch} but takes no writes (no lease, or the shard failed)");
                }
                else if (leader != node.NodeId && !supervisor.IsFollowing(shard))
                {
                    problems.Add($"shard {shard}: not following its leader {leader} (paused, fenced, bootstrapping or stopped by an error: orepl status says which)");
                }
            }
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy($"node {node.NodeId}: store open, silo active, {topology!.Leaders.Count(l => l == node.NodeId)} shards led and {topology.Leaders.Count(l => l != node.NodeId)} followed at epoch {topology.Epoch}")
            : HealthCheckResult.Unhealthy($"node {node.NodeId} is not ready: {string.Join("; ", problems)}"));
    }
}
