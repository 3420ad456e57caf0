namespace OrleansRepl.Grains;

/// <summary>
/// The one way the grains change durable state: the change is made on a copy, the copy is written, and only then
/// does it become the grain's state. A write that fails (storage down, a version conflict) leaves the grain's state
/// as it was before the call, so no caller ever reads a change that was not stored.
/// </summary>
internal static class StateWrites
{
    public static async Task WriteChangedAsync<TState>(this IPersistentState<TState> state, Func<TState, TState> copy, Action<TState> change)
        where TState : new()
    {
        var previous = state.State;
        var next = copy(previous);
        change(next);
        state.State = next;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = previous;
            throw;
        }
    }
}
