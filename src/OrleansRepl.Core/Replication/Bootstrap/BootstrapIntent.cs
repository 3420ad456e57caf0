namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>The phases of a bootstrap intent. Complete and Abort end it; Checkpoint may repeat.</summary>
public enum IntentPhase
{
    Begin,
    Checkpoint,
    Complete,
    Abort,
}

/// <summary>
/// Where a bootstrap had got to: the snapshot transfer (token, bytes received and their CRC-32C) and, once the
/// snapshot is installed, the catch-up after it (last LSN applied, batches applied).
/// </summary>
public sealed record BootstrapCheckpoint(string? SnapshotToken, long SnapshotOffset, uint SnapshotCrc32C, long LastAppliedLsn, long BatchesApplied);

/// <summary>A bootstrap that began and neither completed nor aborted: its replica, its source, and its last checkpoint.</summary>
public sealed record UnfinishedIntent(string Intent, string Replica, string Source, DateTimeOffset Begun, BootstrapCheckpoint? LastCheckpoint);

/// <summary>
/// The durable record of bootstraps: begin, checkpoints, complete, abort. A file now; the
/// BootstrapGrain once the control plane exists.
/// </summary>
public interface IBootstrapIntentLog
{
    /// <summary>Records a new bootstrap of <paramref name="replica"/> from <paramref name="source"/>; returns its intent id.</summary>
    ValueTask<string> BeginAsync(string replica, string source, CancellationToken cancellationToken);

    ValueTask CheckpointAsync(string intent, BootstrapCheckpoint checkpoint, CancellationToken cancellationToken);

    ValueTask CompleteAsync(string intent, CancellationToken cancellationToken);

    ValueTask AbortAsync(string intent, string reason, CancellationToken cancellationToken);

    /// <summary>Every intent that began and has not ended, with its last checkpoint, in the order they began.</summary>
    ValueTask<IReadOnlyList<UnfinishedIntent>> ListUnfinishedAsync(CancellationToken cancellationToken);
}
