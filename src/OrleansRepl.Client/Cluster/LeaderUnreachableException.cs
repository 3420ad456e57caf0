namespace OrleansRepl.Client.Cluster;

/// <summary>
/// A shard's leader did not answer, and no other node was promoted in its place within the time a failover takes
/// (the lease and its drift, and a margin). A write sent to it may or may not have been taken.
/// </summary>
public sealed class LeaderUnreachableException(string message, Exception innerException) : Exception(message, innerException);
