using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Placement;

namespace OrleansRepl.Grains.Bootstrap;

/// <summary>
/// The intent log of one node's bootstraps, and the operator's request; every change is written before the call
/// returns. A new or cancelled request is also told to the node's workers at once (they read it every second anyway).
/// </summary>
[NodeAffinePlacement]
public sealed partial class BootstrapGrain([PersistentState("bootstrap", GrainStorageNames.Node)] IPersistentState<BootstrapGrainState> state, ILogger<BootstrapGrain> logger) : Grain, IBootstrapGrain
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
        await TellNodeAsync();
    }

    public async Task CancelAsync()
    {
        if (state.State.Request is not { State: "requested" or "running" } open)
        {
            throw new InvalidOperationException($"node {GrainKey} has no bootstrap to cancel");
        }

        await Write(s => s.Request = open with { State = "cancelled" });
        await TellNodeAsync();
    }

    public Task<BootstrapStatus> GetStatusAsync() => Task.FromResult(state.State.Request is { } request
        ? new BootstrapStatus(GrainKey, request.State, request.Source, request.Reason, request.Requested, _progress, request.Summary, request.Error)
        : new BootstrapStatus(GrainKey, "none", null, null, null, null, null, null));

    public async Task ReportProgressAsync(BootstrapProgress progress)
    {
        _progress = progress ?? throw new ArgumentNullException(nameof(progress));
        if (state.State.Request is { State: "requested" } requested)
        {
            await Write(s => s.Request = requested with { State = "running" });
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

    private string GrainKey => this.GetPrimaryKeyString();

    /// <summary>The request is durable already; telling the node's workers only spares them the wait for their next read.</summary>
    private async Task TellNodeAsync()
    {
        try
        {
            await GrainFactory.Node(GrainKey).DirectivesChangedAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogNodeNotTold(logger, GrainKey, e.Message);
        }
    }

    [LoggerMessage(EventId = 920, Level = LogLevel.Debug, Message = "node {Node} was not told of its changed bootstrap request now ({Reason}); its workers read it at their next tick")]
    private static partial void LogNodeNotTold(ILogger logger, string node, string reason);
}
