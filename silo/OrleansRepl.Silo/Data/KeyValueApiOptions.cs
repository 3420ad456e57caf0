namespace OrleansRepl.Silo.Data;

/// <summary>The key-value API's limits on batches and how long a write waits for its followers (section <c>Replication:KeyValue</c>), validated at start-up.</summary>
public sealed class KeyValueApiOptions
{
    /// <summary>The largest <c>POST /kv</c> body, checked against its Content-Length before it is read (413 above it).</summary>
    public long MaxBatchBytes { get; set; } = 64L << 20;

    /// <summary>The most entries one batch may carry (413 above it): bounds how long one batch holds its shards' write locks.</summary>
    public int MaxBatchOperations { get; set; } = 100_000;

    /// <summary>Batches read and written at once on this node; one more is answered 429 with Retry-After before its body is read.</summary>
    public int MaxConcurrentBatches { get; set; } = 4;

    /// <summary>How long a write waits for its followers when the request does not say (<c>?acks-timeout=</c> seconds).</summary>
    public double AckTimeoutSeconds { get; set; } = 5;

    /// <summary>The longest wait a request may ask for.</summary>
    public double MaxAckTimeoutSeconds { get; set; } = 60;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (MaxAckTimeoutSeconds is < 0.1 or > 3600)
        {
            problems.Add($"{nameof(MaxAckTimeoutSeconds)} must be between 0.1 and 3600, got {MaxAckTimeoutSeconds}");
        }

        if (AckTimeoutSeconds <= 0 || AckTimeoutSeconds > MaxAckTimeoutSeconds)
        {
            problems.Add($"{nameof(AckTimeoutSeconds)} must be positive and at most {nameof(MaxAckTimeoutSeconds)} ({MaxAckTimeoutSeconds}), got {AckTimeoutSeconds}");
        }

        if (MaxBatchBytes is < 1024 or > int.MaxValue)
        {
            problems.Add($"{nameof(MaxBatchBytes)} must be between 1024 and {int.MaxValue}, got {MaxBatchBytes}");
        }

        if (MaxBatchOperations < 1)
        {
            problems.Add($"{nameof(MaxBatchOperations)} must be positive, got {MaxBatchOperations}");
        }

        if (MaxConcurrentBatches is < 1 or > 1024)
        {
            problems.Add($"{nameof(MaxConcurrentBatches)} must be between 1 and 1024, got {MaxConcurrentBatches}");
        }

        return problems;
    }
}
