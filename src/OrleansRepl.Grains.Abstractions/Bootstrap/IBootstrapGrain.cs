using OrleansRepl.Core.Replication.Bootstrap;

namespace OrleansRepl.Grains.Bootstrap;

/// <summary>
/// One node's bootstrap intents (key <see cref="Keys.BootstrapKey"/>, the node id, on its node's silo): the durable intent log of its bootstraps. Each node's intents
/// live in its own grain, so replicas are isolated from each other's by construction.
/// </summary>
public interface IBootstrapGrain : IGrainWithStringKey
{
    Task<string> BeginAsync(string source);

    Task CheckpointAsync(string intent, BootstrapCheckpoint checkpoint);

    Task CompleteAsync(string intent);

    Task AbortAsync(string intent, string reason);

    Task<IReadOnlyList<UnfinishedIntent>> ListUnfinishedAsync();

    /// <summary>Asks the node to bootstrap from <paramref name="source"/>; refused while another bootstrap is requested or running.</summary>
    Task StartAsync(string source, string reason);

    /// <summary>Cancels the requested or running bootstrap; its intent stays resumable.</summary>
    Task CancelAsync();

    Task<BootstrapStatus> GetStatusAsync();

    /// <summary>The node's worker reports a transfer under way (a requested bootstrap becomes running).</summary>
    Task ReportProgressAsync(BootstrapProgress progress);

    /// <summary>The node's worker reports the end: <paramref name="error"/> null means complete.</summary>
    Task FinishAsync(string? error, string? summary);
}

/// <summary>A transfer in progress: bytes so far and in all, the rate, and the offset it resumed from.</summary>
[GenerateSerializer, Immutable]
public sealed record BootstrapProgress(long BytesDone, long BytesTotal, double MegabytesPerSecond, long ResumedFrom);

/// <summary>
/// A node's bootstrap as operators see it: <see cref="State"/> is "none", "requested", "running", "complete",
/// "failed" or "cancelled".
/// </summary>
[GenerateSerializer, Immutable]
public sealed record BootstrapStatus(string Node, string State, string? Source, string? Reason, DateTimeOffset? Requested, BootstrapProgress? Progress, string? Summary, string? Error);
