using OrleansRepl.Hosting.Persistence;

namespace OrleansRepl.Grains.Tests;

/// <summary>Grain storage whose writes fail while <see cref="FailWrites"/> is set, as a full disk or a lost database would.</summary>
internal sealed class FailingStorage(IGrainStorage inner) : IGrainStorage
{
    public bool FailWrites { get; set; }

    public Task EnsureSchemaAsync(CancellationToken cancellationToken) => inner.EnsureSchemaAsync(cancellationToken);

    public Task<StoredState?> ReadAsync(string stateType, string key, CancellationToken cancellationToken) => inner.ReadAsync(stateType, key, cancellationToken);

    public Task<long> WriteAsync(string stateType, string key, byte[] payload, long? expectedVersion, CancellationToken cancellationToken) =>
        FailWrites ? throw new IOException($"writing {stateType} of {key} failed (injected)") : inner.WriteAsync(stateType, key, payload, expectedVersion, cancellationToken);

    public Task ClearAsync(string stateType, string key, long? expectedVersion, CancellationToken cancellationToken) => inner.ClearAsync(stateType, key, expectedVersion, cancellationToken);
}
