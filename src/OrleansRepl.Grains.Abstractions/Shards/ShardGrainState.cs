using OrleansRepl.Core.Replication.Streaming.Follower;

namespace OrleansRepl.Grains.Shards;

/// <summary>Durable state of the shard grain: the follower's cursor, whether it is paused, its last error, and how many times it was written.</summary>
[GenerateSerializer]
public sealed class ShardGrainState
{
    [Id(0)]
    public FollowerCursor? Cursor { get; set; }

    [Id(1)]
    public bool Paused { get; set; }

    [Id(2)]
    public string? LastError { get; set; }

    /// <summary>Writes of this state so far, this one included.</summary>
    [Id(3)]
    public long Writes { get; set; }

    /// <summary>A copy to change: the grain's state changes only once the copy is written.</summary>
    public ShardGrainState Copy() => new() { Cursor = Cursor, Paused = Paused, LastError = LastError, Writes = Writes };
}
