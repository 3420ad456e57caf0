namespace OrleansRepl.Silo.Chaos;

/// <summary>
/// What a chaos run did and found: cycles by kind, writes acknowledged, and what must be zero: acknowledged writes
/// that do not read back (lost), log entries by which a follower's shard differs from the leader's (duplicated or
/// missing), and partial files left behind.
/// </summary>
public sealed record ChaosReport(int Cycles, int FollowerKills, int BootstrapKills, int AntiEntropyKills, long Acknowledged, long Lost, long Duplicated, int PartialFiles, TimeSpan Elapsed)
{
    public bool Clean => Lost == 0 && Duplicated == 0 && PartialFiles == 0;
}
