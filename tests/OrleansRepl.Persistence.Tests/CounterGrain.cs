namespace OrleansRepl.Persistence.Tests;

/// <summary>A grain with durable state, to drive the providers through the schema.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    Task<string?> ETagAsync();

    /// <summary>Drops the activation after this call, so the next one reads the state from storage again.</summary>
    Task DeactivateAsync();
}

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Count { get; set; }
}

public sealed class CounterGrain([PersistentState("counter", OrleansHost.StorageName)] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    public async Task<int> IncrementAsync()
    {
        state.State.Count++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Count--; // the write failed: keep what storage holds
            throw;
        }

        return state.State.Count;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Count);

    public Task<string?> ETagAsync() => Task.FromResult(state.Etag);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
