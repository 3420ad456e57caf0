namespace OrleansRepl;

/// <summary>
/// A grain's durable state, read before the activation serves its first call. <see cref="Etag"/> is the stored
/// version: a write made over a version someone else has replaced throws <see cref="InconsistentStateException"/>.
/// </summary>
public interface IPersistentState<TState>
    where TState : new()
{
    TState State { get; set; }

    /// <summary>The stored version this activation last read or wrote; null when nothing is stored.</summary>
    string? Etag { get; }

    bool RecordExists { get; }

    Task ReadStateAsync(CancellationToken cancellationToken = default);

    Task WriteStateAsync(CancellationToken cancellationToken = default);

    Task ClearStateAsync(CancellationToken cancellationToken = default);
}

/// <summary>Marks a grain constructor parameter of type <see cref="IPersistentState{TState}"/> and names the state.</summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class PersistentStateAttribute(string stateName) : Attribute
{
    public string StateName { get; } = stateName;
}

/// <summary>A write over a version that is no longer the stored one: another writer got there first.</summary>
public sealed class InconsistentStateException(string grain, string? storedEtag, string? currentEtag)
    : Exception($"state of {grain} was changed by another writer: stored version {storedEtag ?? "none"}, this activation had {currentEtag ?? "none"}")
{
    public string? StoredEtag { get; } = storedEtag;

    public string? CurrentEtag { get; } = currentEtag;
}
