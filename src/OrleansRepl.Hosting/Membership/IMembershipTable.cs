namespace OrleansRepl.Hosting.Membership;

/// <summary>
/// The cluster's silos, their addresses and liveness, in the same database as grain state. A silo whose last
/// heartbeat is older than the timeout is dead. Joining is refused while a live silo holds the node id, and a
/// join takes the next generation of its node id, fencing every older silo of that node.
/// </summary>
public interface IMembershipTable
{
    Task EnsureSchemaAsync(CancellationToken cancellationToken);

    /// <summary>Joins as the next generation of the node id; throws <see cref="SiloFencedException"/> while a live silo holds it.</summary>
    Task<SiloEntry> JoinAsync(SiloAddress address, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Records a heartbeat (and the status, e.g. Active) unless this silo was declared dead or superseded.</summary>
    Task<HeartbeatOutcome> HeartbeatAsync(string siloId, SiloStatus status, CancellationToken cancellationToken);

    /// <summary>Marks every silo whose heartbeat is older than <paramref name="timeout"/> dead; returns their ids.</summary>
    Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan timeout, CancellationToken cancellationToken);

    Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>A graceful stop: marks the silo dead at once, so its node id is free for a restart without waiting out the timeout.</summary>
    Task LeaveAsync(string siloId, CancellationToken cancellationToken);
}
