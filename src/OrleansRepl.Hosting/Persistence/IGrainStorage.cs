namespace OrleansRepl.Hosting.Persistence;

/// <summary>A stored grain state: its payload (JSON) and its version, the etag.</summary>
public sealed record StoredState(byte[] Payload, long Version);

/// <summary>
/// Durable grain state, one row per (state type, grain key). Every write names the version it replaces and
/// succeeds only if that is still the stored one: the check and the write are one statement, so a race
/// cannot lose an update.
/// </summary>
public interface IGrainStorage
{
    /// <summary>Creates or migrates the schema; safe to run any number of times.</summary>
    Task EnsureSchemaAsync(CancellationToken cancellationToken);

    Task<StoredState?> ReadAsync(string stateType, string key, CancellationToken cancellationToken);

    /// <summary>Writes over <paramref name="expectedVersion"/> (null: nothing stored); returns the new version or throws <see cref="StorageConflictException"/>.</summary>
    Task<long> WriteAsync(string stateType, string key, byte[] payload, long? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the row stored at <paramref name="expectedVersion"/>; throws <see cref="StorageConflictException"/> if another version is stored.</summary>
    Task ClearAsync(string stateType, string key, long? expectedVersion, CancellationToken cancellationToken);
}

/// <summary>The stored version is not the one the writer expected.</summary>
public sealed class StorageConflictException(string stateType, string key, long? stored, long? expected)
    : Exception($"{stateType} of {key}: stored version {(stored is { } s ? s.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}, expected {(expected is { } e ? e.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}")
{
    public long? Stored { get; } = stored;

    public long? Expected { get; } = expected;
}
