namespace OrleansRepl.Core.Storage;

/// <summary>How a <see cref="LogStore"/> is laid out and how it commits. Immutable; check with <see cref="Validate"/>.</summary>
public sealed record StoreOptions
{
    /// <summary>Shards in a new store. An existing store keeps the count it was created with, and opening it with another count fails.</summary>
    public int ShardCount { get; init; } = 4;

    /// <summary>The active segment is sealed once it reaches this many bytes.</summary>
    public long SegmentRollBytes { get; init; } = 64L << 20;

    public FsyncMode Fsync { get; init; } = FsyncMode.Always;

    public TimeSpan FsyncInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>This node's id: the tie-break of versions it issues.</summary>
    public ulong NodeOrigin { get; init; } = 1;

    /// <summary>
    /// The most one write to a shard's log carries before it is fsynced (under <see cref="FsyncMode.Always"/>); a
    /// larger group commit is written in pieces of at most this size, each fsynced. This bounds what a crash
    /// can leave unfinished, which is how recovery tells a torn tail (at most this much, or one longer record)
    /// from damage.
    /// </summary>
    public int GroupCommitMaxBytes { get; init; } = 4 << 20;

    /// <summary>
    /// How far past this node's clock a replicated or imported record's timestamp may be. A record beyond it is
    /// refused, naming the key and the timestamp, so a peer with a wrong clock cannot make every later local write
    /// lose last-writer-wins.
    /// </summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A shard that failed to write is reopened from its files after this long, doubling up to 30 s while it keeps failing.</summary>
    public TimeSpan ShardReopenDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The wall clock the store's versions follow; tests pass a fake one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public int MaxKeyBytes { get; init; } = 64 << 10;

    public int MaxValueBytes { get; init; } = 16 << 20;

    /// <summary>
    /// Named fault points for tests: called with the point's name ("flush.write") just before that step,
    /// and may throw to simulate its failure. Null outside tests.
    /// </summary>
    internal Action<string>? FaultInjector { get; init; }

    /// <summary>The largest record body this store reads or writes; longer length prefixes are corruption.</summary>
    public int MaxBodyBytes => RecordCodec.FixedBodySize + MaxKeyBytes + MaxValueBytes;

    /// <summary>The largest a whole record can be: its length prefix, largest body and checksum.</summary>
    public int MaxRecordBytes => RecordCodec.LengthPrefixSize + MaxBodyBytes + RecordCodec.ChecksumSize;

    /// <summary>
    /// The largest segment this store writes, and so the largest it takes from a peer: a segment rolls once it has
    /// reached <see cref="SegmentRollBytes"/>, so it holds at most one record past that, then its seal record.
    /// </summary>
    public long LargestSegmentBytes => SegmentRollBytes + (2L * MaxRecordBytes);

    /// <summary>Every problem with these options, each naming the setting and its value; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ShardCount is < 1 or > 4096)
        {
            problems.Add($"ShardCount must be between 1 and 4096, got {ShardCount}");
        }

        if (SegmentRollBytes < 4096)
        {
            problems.Add($"SegmentRollBytes must be at least 4096, got {SegmentRollBytes}");
        }

        if (Fsync == FsyncMode.Interval && FsyncInterval <= TimeSpan.Zero)
        {
            problems.Add($"FsyncInterval must be positive with Fsync=Interval, got {FsyncInterval}");
        }

        if (GroupCommitMaxBytes is < (64 << 10) or > (256 << 20))
        {
            problems.Add($"GroupCommitMaxBytes must be between 65536 and 268435456, got {GroupCommitMaxBytes}");
        }

        if (ShardReopenDelay <= TimeSpan.Zero || ShardReopenDelay > TimeSpan.FromSeconds(30))
        {
            problems.Add($"ShardReopenDelay must be above 0 and at most 30 s, got {ShardReopenDelay}");
        }

        if (MaxClockSkew < TimeSpan.FromSeconds(1) || MaxClockSkew > TimeSpan.FromDays(1))
        {
            problems.Add($"MaxClockSkew must be between 1 second and 1 day, got {MaxClockSkew}");
        }

        if (MaxKeyBytes is < 1 or > (1 << 20))
        {
            problems.Add($"MaxKeyBytes must be between 1 and 1048576, got {MaxKeyBytes}");
        }

        if (MaxValueBytes is < 0 or > (256 << 20))
        {
            problems.Add($"MaxValueBytes must be between 0 and 268435456, got {MaxValueBytes}");
        }

        return problems;
    }
}
