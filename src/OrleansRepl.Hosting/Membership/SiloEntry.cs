namespace OrleansRepl.Hosting.Membership;

/// <summary>A silo's lifecycle as the membership table records it.</summary>
public enum SiloStatus
{
    Joining,
    Active,
    ShuttingDown,
    Dead,
}

/// <summary>
/// One silo in the membership table. <see cref="Generation"/> counts the silos that have held
/// <see cref="NodeId"/>: a newer generation fences every older one. Times are the database's clock.
/// </summary>
public sealed record SiloEntry(
    string SiloId,
    string NodeId,
    string Host,
    int ReplicationPort,
    int GatewayPort,
    SiloStatus Status,
    long Generation,
    DateTimeOffset StartedAt,
    DateTimeOffset IAmAliveAt)
{
    /// <summary>For a silo whose heartbeat was refused: superseded when a newer generation of its node exists, else declared dead.</summary>
    public static HeartbeatOutcome WhyNotAlive(IReadOnlyList<SiloEntry> all, string siloId)
    {
        ArgumentNullException.ThrowIfNull(all);
        var me = all.SingleOrDefault(e => e.SiloId == siloId);
        return me is not null && all.Any(e => e.NodeId == me.NodeId && e.Generation > me.Generation) ? HeartbeatOutcome.Superseded : HeartbeatOutcome.DeclaredDead;
    }
}

/// <summary>Who a silo is and where it listens, as it joins.</summary>
public sealed record SiloAddress(string SiloId, string NodeId, string Host, int ReplicationPort, int GatewayPort);

/// <summary>What a heartbeat learned about this silo.</summary>
public enum HeartbeatOutcome
{
    /// <summary>Recorded; the silo is the live holder of its node id.</summary>
    Alive,

    /// <summary>Another silo declared this one dead (its heartbeat was too old): it must stop at once.</summary>
    DeclaredDead,

    /// <summary>A newer generation of the same node id has joined: this silo is fenced and must stop at once.</summary>
    Superseded,
}

/// <summary>A silo may not start: a live silo holds its node id.</summary>
public sealed class SiloFencedException(string nodeId, string otherSilo, DateTimeOffset lastHeartbeat, TimeSpan timeout)
    : Exception($"node id {nodeId} is held by live silo {otherSilo} (last heartbeat {lastHeartbeat:O}, within the {timeout.TotalSeconds:F0} s timeout); stop it, or wait until it is declared dead")
{
    public string OtherSilo { get; } = otherSilo;
}
