namespace OrleansRepl.Client.Cluster;

/// <summary>No gateway of the cluster answered when the client connected.</summary>
public sealed class ClusterUnavailableException(string message, Exception innerException) : Exception(message, innerException);
