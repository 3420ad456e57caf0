namespace OrleansRepl.Silo.Data;

/// <summary>The key-value API's limits on batches (section <c>Replication:KeyValue</c>), validated at start-up.</summary>
public sealed class KeyValueApiOptions
{
    /// <summary>The largest <c>POST /kv</c> body, checked against its Content-Length before it is read (413 above it).</summary>
    public long MaxBatchBytes { get; set; } = 64L << 20;

    /// <summary>The most entries one batch may carry (413 above it): bounds how long one batch holds its shards' write locks.</summary>
    public int MaxBatchOperations { get; set; } = 100_000;

    /// <summary>Batches read and written at once on this node; one more is answered 429 with Retry-After before its body is read.</summary>
    public int MaxConcurrentBatches { get; set; } = 4;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
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
