using Orleans.Storage;

namespace OrleansRepl.Grains.Tests;

/// <summary>The faults a test injects into every grain storage provider of its silos: writes fail while <see cref="FailWrites"/> is set, reads while <see cref="FailReads"/> is.</summary>
internal sealed class StorageFaults
{
    public volatile bool FailWrites;

    public volatile bool FailReads;
}

/// <summary>
/// Grain storage whose writes fail while its <see cref="StorageFaults"/> say so, as a full disk or a lost database
/// would. It stands in for the real provider under the provider's name, so it also takes part in the silo's
/// lifecycle for it.
/// </summary>
internal sealed class FailingStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        faults.FailReads ? throw new IOException($"reading {stateName} of {grainId} failed (injected)") : inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        faults.FailWrites ? throw new IOException($"writing {stateName} of {grainId} failed (injected)") : inner.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
