using OrleansRepl.Core.Replication.Bootstrap;

namespace OrleansRepl.Grains.Bootstrap;

/// <summary>
/// One node's bootstrap intents (key <c>{node}</c>): the durable intent log of its bootstraps. Each node's intents
/// live in its own grain, so replicas are isolated from each other's by construction.
/// </summary>
public interface IBootstrapGrain : IGrainWithStringKey
{
    Task<string> BeginAsync(string source);

    Task CheckpointAsync(string intent, BootstrapCheckpoint checkpoint);

    Task CompleteAsync(string intent);

    Task AbortAsync(string intent, string reason);

    Task<IReadOnlyList<UnfinishedIntent>> ListUnfinishedAsync();
}
