using OrleansRepl.Core.Replication.Streaming.Follower;

namespace OrleansRepl.Persistence.Tests;

/// <summary>A grain whose calls and state carry a Core record, which has no Orleans attributes (Core stays free of Orleans).</summary>
public interface ICursorKeeperGrain : IGrainWithStringKey
{
    Task SaveAsync(FollowerCursor cursor);

    Task<FollowerCursor?> LoadAsync();

    Task DeactivateAsync();
}

[GenerateSerializer]
public sealed class CursorKeeperState
{
    [Id(0)]
    public FollowerCursor? Cursor { get; set; }
}

public sealed class CursorKeeperGrain([PersistentState("cursor", OrleansHost.StorageName)] IPersistentState<CursorKeeperState> state) : Grain, ICursorKeeperGrain
{
    public async Task SaveAsync(FollowerCursor cursor)
    {
        state.State.Cursor = cursor;
        await state.WriteStateAsync();
    }

    public Task<FollowerCursor?> LoadAsync() => Task.FromResult(state.State.Cursor);

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}
