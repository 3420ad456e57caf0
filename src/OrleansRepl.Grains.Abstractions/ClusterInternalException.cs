namespace OrleansRepl.Grains;

/// <summary>
/// What a caller is told of a failure inside a grain that is not an answer meant for it (a storage error, say): a
/// short message and a correlation id. The silo's log holds the whole exception (its type, SQL, paths) under that id.
/// </summary>
[GenerateSerializer]
public sealed class ClusterInternalException : OrleansException
{
    public ClusterInternalException(string correlationId, string call)
        : base($"{call} failed inside the cluster (error {correlationId}); the silo's log has the details under that id")
    {
        CorrelationId = correlationId;
    }

    public ClusterInternalException()
    {
        CorrelationId = "";
    }

    public ClusterInternalException(string message)
        : base(message)
    {
        CorrelationId = "";
    }

    public ClusterInternalException(string message, Exception innerException)
        : base(message, innerException)
    {
        CorrelationId = "";
    }

    [Id(0)]
    public string CorrelationId { get; private set; }

    /// <summary>A new id to log an error under and tell its caller: 12 hex digits.</summary>
    public static string NewCorrelationId() => Guid.NewGuid().ToString("N")[..12];
}
