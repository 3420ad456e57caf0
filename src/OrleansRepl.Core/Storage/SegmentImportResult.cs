namespace OrleansRepl.Core.Storage;

/// <summary>What importing a peer's segment did.</summary>
public abstract record SegmentImportResult
{
    private SegmentImportResult()
    {
    }

    /// <summary>
    /// Stored; <see cref="Written"/> records won by version and entered the index, <see cref="Shadowed"/>
    /// lost to a newer version here and stay in the segment unread (the records an import skips).
    /// </summary>
    public sealed record Applied(int Shard, long Written, long Shadowed) : SegmentImportResult;

    /// <summary>The store already holds a segment with this hash; nothing changed.</summary>
    public sealed record Skipped : SegmentImportResult;

    /// <summary>The bytes do not hash to the expected hash; nothing changed.</summary>
    public sealed record HashMismatch(string Expected, string Actual) : SegmentImportResult;

    /// <summary>The bytes hash correctly but are not a segment of this store; nothing changed.</summary>
    public sealed record Rejected(string Reason) : SegmentImportResult;
}
