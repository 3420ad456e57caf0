using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Bootstrap;

/// <summary>
/// The bootstrap intent log kept by <see cref="IBootstrapGrain"/>s: the intents of replica R live in grain R, so a
/// node listing its unfinished intents sees only its own. The single-resumer policy (<see cref="BootstrapResume"/>)
/// applies on top, as with the file log.
/// </summary>
public sealed class GrainBootstrapIntentLog(IGrainFactory grains, string node) : IBootstrapIntentLog
{
    public async ValueTask<string> BeginAsync(string replica, string source, CancellationToken cancellationToken) =>
        replica == node
            ? await Grain(node).BeginAsync(source)
            : throw new ArgumentException($"this intent log keeps the bootstraps of node {node}, not of {replica}", nameof(replica));

    public async ValueTask CheckpointAsync(string intent, BootstrapCheckpoint checkpoint, CancellationToken cancellationToken) =>
        await Grain(node).CheckpointAsync(intent, checkpoint);

    public async ValueTask CompleteAsync(string intent, CancellationToken cancellationToken) =>
        await Grain(node).CompleteAsync(intent);

    public async ValueTask AbortAsync(string intent, string reason, CancellationToken cancellationToken) =>
        await Grain(node).AbortAsync(intent, reason);

    public async ValueTask<IReadOnlyList<UnfinishedIntent>> ListUnfinishedAsync(CancellationToken cancellationToken) =>
        await Grain(node).ListUnfinishedAsync();

    private IBootstrapGrain Grain(string replica) => grains.Bootstrap(SafeName.Check(replica, "replica node id"));

}
