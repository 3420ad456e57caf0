namespace OrleansRepl.Client.Cluster;

/// <summary>A node refused a write or read because it does not lead the key's shard (even after the topology was read again).</summary>
public sealed class NotLeaderException(string message) : Exception(message);
