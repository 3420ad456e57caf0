namespace OrleansRepl.Client.Cluster;

/// <summary>
/// A write asked to be held by <see cref="Required"/> followers was written on its leader, but only
/// <see cref="Acknowledged"/> acknowledged it in time. The write stands: it is not rolled back, and it reaches the
/// others as they catch up (unless the leader is lost first).
/// </summary>
public sealed class ReplicationTimeoutException(string message, int acknowledged, int required) : Exception(message)
{
    public int Acknowledged { get; } = acknowledged;

    public int Required { get; } = required;
}
