using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Grains.Bootstrap;

/// <summary>One intent as the grain keeps it.</summary>
public sealed record BootstrapIntentEntry(string Intent, string Source, DateTimeOffset Begun, BootstrapCheckpoint? LastCheckpoint, string? Ended, string? Reason);

/// <summary>Durable state of a <see cref="BootstrapGrain"/>: its node's intents, newest last.</summary>
public sealed class BootstrapGrainState
{
    public List<BootstrapIntentEntry> Intents { get; set; } = [];

    /// <summary>The operator's (or a NeedsRestore's) latest request, and how it ended.</summary>
    public BootstrapRequest? Request { get; set; }

    public BootstrapGrainState Copy() => new() { Intents = [.. Intents], Request = Request };
}

/// <summary>A requested bootstrap: from where and why, and its state ("requested", "running", "complete", "failed", "cancelled").</summary>
public sealed record BootstrapRequest(string Source, string Reason, DateTimeOffset Requested, string State, string? Summary, string? Error);

/// <summary>The intent log of one node's bootstraps; every change is written before the call returns.</summary>
public sealed class BootstrapGrain([PersistentState("bootstrap")] IPersistentState<BootstrapGrainState> state) : Grain, IBootstrapGrain
{
    /// <summary>Ended intents kept for operators; older ones are dropped.</summary>
    public const int History = 50;

    private BootstrapProgress? _progress;

    public async Task<string> BeginAsync(string source)
    {
        SafeName.Check(source, "source node id");
        var intent = $"bootstrap-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..47];
        await Write(s =>
        {
            s.Intents.Add(new BootstrapIntentEntry(intent, source, DateTimeOffset.UtcNow, null, null, null));
            var ended = s.Intents.Where(i => i.Ended is not null).ToList();
            s.Intents.RemoveAll(i => ended.Take(Math.Max(0, ended.Count - History)).Contains(i));
        });
        return intent;
    }

    public Task CheckpointAsync(string intent, BootstrapCheckpoint checkpoint) => UpdateAsync(intent, e => e with { LastCheckpoint = checkpoint });

    public Task CompleteAsync(string intent) => UpdateAsync(intent, e => e with { Ended = "complete" });

    public Task AbortAsync(string intent, string reason) => UpdateAsync(intent, e => e with { Ended = "abort", Reason = reason });

    public Task<IReadOnlyList<UnfinishedIntent>> ListUnfinishedAsync() =>
        Task.FromResult<IReadOnlyList<UnfinishedIntent>>(state.State.Intents.Where(i => i.Ended is null).Select(i => new UnfinishedIntent(i.Intent, GrainKey, i.Source, i.Begun, i.LastCheckpoint)).ToList());

    public async Task StartAsync(string source, string reason)
    {
        SafeName.Check(source, "source node id");
        if (source == GrainKey)
        {
            throw new ArgumentException($"node {GrainKey} cannot bootstrap from itself", nameof(source));
        }

        if (state.State.Request is { State: "requested" or "running" } open)
        {
            throw new InvalidOperationException($"node {GrainKey} already has a bootstrap from {open.Source} {open.State} since {open.Requested:u}; cancel it first");
        }

        await Write(s => s.Request = new BootstrapRequest(source, reason, DateTimeOffset.UtcNow, "requested", null, null));
        _progress = null;
    }

    public async Task CancelAsync()
    {
        if (state.State.Request is not { State: "requested" or "running" } open)
        {
            throw new InvalidOperationException($"node {GrainKey} has no bootstrap to cancel");
        }

        await Write(s => s.Request = open with { State = "cancelled" });
    }

    public Task<BootstrapStatus> GetStatusAsync() => Task.FromResult(state.State.Request is { } request
        ? new BootstrapStatus(GrainKey, request.State, request.Source, request.Reason, request.Requested, _progress, request.Summary, request.Error)
        : new BootstrapStatus(GrainKey, "none", null, null, null, null, null, null));

    public async Task<bool> ReportProgressAsync(BootstrapProgress progress)
    {
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
        switch (state.State.Request)
        {
            case { State: "requested" } requested:
                await Write(s => s.Request = requested with { State = "running" });
                return true;
            case { State: "running" }:
                return true;
            default:
                return false;
        }
    }

    public async Task FinishAsync(string? error, string? summary)
    {
        if (state.State.Request is not { State: "requested" or "running" } open)
        {
            return; // cancelled meanwhile: the cancellation stands
        }

        await Write(s => s.Request = open with { State = error is null ? "complete" : "failed", Error = error, Summary = summary });
    }

    private async Task UpdateAsync(string intent, Func<BootstrapIntentEntry, BootstrapIntentEntry> change)
    {
        var index = state.State.Intents.FindIndex(i => i.Intent == intent);
        if (index < 0)
        {
            throw new InvalidOperationException($"bootstrap intent {intent} was never begun on {GrainKey}");
        }

        if (state.State.Intents[index].Ended is { } ended)
        {
            throw new InvalidOperationException($"bootstrap intent {intent} already ended ({ended}) on {GrainKey}");
        }

        await Write(s => s.Intents[index] = change(s.Intents[index]));
    }

    private Task Write(Action<BootstrapGrainState> change) => state.WriteChangedAsync(s => s.Copy(), change);
}
