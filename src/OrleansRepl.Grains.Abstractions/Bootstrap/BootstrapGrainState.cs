using OrleansRepl.Core.Replication.Bootstrap;

namespace OrleansRepl.Grains.Bootstrap;

/// <summary>Durable state of the bootstrap grain: its node's intents, newest last, and the latest request.</summary>
[GenerateSerializer]
public sealed class BootstrapGrainState
{
    [Id(0)]
    public List<BootstrapIntentEntry> Intents { get; set; } = [];

    /// <summary>The operator's (or a damaged shard's) latest request, and how it ended.</summary>
    [Id(1)]
    public BootstrapRequest? Request { get; set; }

    public BootstrapGrainState Copy() => new() { Intents = [.. Intents], Request = Request };
}

/// <summary>One intent as the grain keeps it.</summary>
[GenerateSerializer, Immutable]
public sealed record BootstrapIntentEntry(string Intent, string Source, DateTimeOffset Begun, BootstrapCheckpoint? LastCheckpoint, string? Ended, string? Reason);

/// <summary>A requested bootstrap: from where and why, and its state ("requested", "running", "complete", "failed", "cancelled").</summary>
[GenerateSerializer, Immutable]
public sealed record BootstrapRequest(string Source, string Reason, DateTimeOffset Requested, string State, string? Summary, string? Error);
