using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using OrleansRepl.Hosting.Persistence;

namespace OrleansRepl.Hosting.Runtime;

/// <summary>One named state of one grain, stored as JSON under "{grain class}.{state name}" and the grain key.</summary>
internal sealed class PersistentState<TState>(IGrainStorage storage, string stateType, string key, JsonTypeInfo<TState> json) : IPersistentState<TState>
    where TState : new()
{
    private long? _version;

    public TState State { get; set; } = new();

    public string? Etag => _version?.ToString(CultureInfo.InvariantCulture);

    public bool RecordExists => _version is not null;

    public async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await storage.ReadAsync(stateType, key, cancellationToken);
        State = stored is null ? new() : JsonSerializer.Deserialize(stored.Payload, json) ?? new();
        _version = stored?.Version;
    }

    public async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            _version = await storage.WriteAsync(stateType, key, JsonSerializer.SerializeToUtf8Bytes(State, json), _version, cancellationToken);
        }
        catch (StorageConflictException e)
        {
            throw new InconsistentStateException($"{stateType} of {key}", Format(e.Stored), Etag);
        }
    }

    public async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await storage.ClearAsync(stateType, key, _version, cancellationToken);
            _version = null;
            State = new();
        }
        catch (StorageConflictException e)
        {
            throw new InconsistentStateException($"{stateType} of {key}", Format(e.Stored), Etag);
        }
    }

    private static string? Format(long? version) => version?.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Builds a <see cref="PersistentState{TState}"/> for a constructor parameter whose state type is known only at run time.</summary>
internal static class PersistentStateFactory
{
    public static object Create(Type stateType, IGrainStorage storage, string storedName, string key, JsonSerializerOptions json)
    {
        var typeInfo = json.GetTypeInfo(stateType)
            ?? throw new InvalidOperationException($"no JSON type info for {stateType.Name}: add a JsonSerializerContext that covers it to GrainHostOptions.StateJson");
        return Activator.CreateInstance(typeof(PersistentState<>).MakeGenericType(stateType), storage, storedName, key, typeInfo)!;
    }
}
