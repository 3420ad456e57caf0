using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace OrleansRepl.Placement;

/// <summary>
/// Node-affine placement needs exactly one live silo per node. Before this silo joins, it reads the membership
/// table and refuses to start while another silo of the same name is active there and alive within the cluster's
/// own allowance for missed heartbeats (<see cref="ClusterMembershipOptions.IAmAliveTablePublishTimeout"/> times
/// <see cref="ClusterMembershipOptions.NumMissedTableIAmAliveLimit"/>). An older generation on this
/// silo's own endpoint is a previous run of this process that died; Orleans supersedes it as it joins.
/// </summary>
internal sealed class NodeNameGuard(ILocalSiloDetails silo, IMembershipTable table, IOptions<ClusterMembershipOptions> membership, TimeProvider time)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(NodeNameGuard), ServiceLifecycleStage.RuntimeInitialize, CheckAsync);

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true, cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        var allowance = membership.Value.IAmAliveTablePublishTimeout * membership.Value.NumMissedTableIAmAliveLimit;
        var holder = (await table.ReadAllAsync(cancellationToken)).Members.Select(m => m.Item1).FirstOrDefault(entry =>
            entry.SiloName == silo.Name
            && entry.Status == SiloStatus.Active
            && !entry.SiloAddress.Endpoint.Equals(silo.SiloAddress.Endpoint)
            && now - entry.IAmAliveTime < allowance);
        if (holder is not null)
        {
            throw new NodeAlreadyRunningException(silo.Name, holder.SiloAddress.ToString(), holder.IAmAliveTime, holder.IAmAliveTime + allowance);
        }
    }
}

/// <summary>A silo was started for a node that already has an active, living silo.</summary>
[GenerateSerializer]
public sealed class NodeAlreadyRunningException : OrleansException
{
    public NodeAlreadyRunningException(string node, string silo, DateTime lastAlive, DateTime deadAfter)
        : base($"node {node} already runs as silo {silo} (last alive {lastAlive:O}); one node runs one silo. Stop it first, or wait until it is declared dead (by {deadAfter:O} at the latest, if it has stopped answering)")
    {
    }

    public NodeAlreadyRunningException()
    {
    }

    public NodeAlreadyRunningException(string message)
        : base(message)
    {
    }

    public NodeAlreadyRunningException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
