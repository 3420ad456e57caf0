namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// A finished bootstrap: the snapshot's size, how long the transfer took, the root the installed store was
/// verified to have, the last LSN of each shard (streaming continues after them), the offset a resumed
/// transfer continued from (0 for a fresh one), and why an earlier transfer could not be resumed, if so.
/// </summary>
public sealed record BootstrapResult(string Intent, string Source, long Bytes, TimeSpan Elapsed, OrleansRepl.Core.Hashing.Blake3Hash StoreRoot, IReadOnlyList<long> ShardLsns, long ResumedFrom, string? RestartReason)
{
    /// <summary>The last attempt's bytes, first piece to last: the transfer alone, without pinning or installing.</summary>
    public TimeSpan LastTransfer { get; init; }

    /// <summary>Renaming the received, verified store into place (verification happens during the transfer).</summary>
    public TimeSpan Install { get; init; }

    /// <summary>How much of <see cref="LastTransfer"/> was spent waiting for the source's next piece.</summary>
    public TimeSpan WaitingForSource { get; init; }

    /// <summary>Where the last attempt's install spent its time, beside the transfer.</summary>
    public Storage.Snapshots.SnapshotInstallTimings? Timings { get; init; }

    /// <summary>The index of the installed store's sealed segments, when one was asked for: pass it to <see cref="Storage.LogStore.Open(string, Storage.StoreOptions, Storage.Index.InstalledIndex?)"/>.</summary>
    public Storage.Index.InstalledIndex? Index { get; init; }

    public double MegabytesPerSecond => Bytes / 1e6 / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>What a transfer attempt asks for: a new snapshot (no token) or a token from an offset, and why an earlier one was not resumed.</summary>
public sealed record BootstrapStart(string Source, string? Token, long Offset, string? RestartReason);
