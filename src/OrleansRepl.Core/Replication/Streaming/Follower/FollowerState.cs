namespace OrleansRepl.Core.Replication.Streaming.Follower;

/// <summary>Where a shard's follower is.</summary>
public enum FollowerState
{
    Connecting,
    Syncing,
    CatchingUp,

    /// <summary>Reached the leader's tail; applying new records as they come.</summary>
    Streaming,

    /// <summary>No usable matchpoint; the shard needs a snapshot. The follower has stopped.</summary>
    NeedsRestore,

    /// <summary>A rejection that retrying cannot fix (secret, cluster, version, shard count, epoch). The follower has stopped.</summary>
    Failed,

    Stopped,
}
