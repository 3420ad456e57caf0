namespace OrleansRepl.Grains;

/// <summary>
/// The one way the grains change durable state: the change is made on a copy, the copy is written, and only then
/// does it become the grain's state. A write that fails (storage down, a version conflict) leaves the grain's state
/// as it was before the call, so no caller ever reads a change that was not stored.
/// </summary>
internal static class StateWrites
{
    /// <summary>Writes <paramref name="next"/> and makes it the grain's state; if the write fails the old state stays.</summary>
    public static async Task WriteReplacedAsync<TState>(this IPersistentState<TState> state, TState next)
    {
        var previous = state.State;
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

    /// <summary>Applies <paramref name="change"/> to a copy of the state, then writes and adopts the copy.</summary>
    public static Task WriteChangedAsync<TState>(this IPersistentState<TState> state, Func<TState, TState> copy, Action<TState> change)
    {
        var next = copy(state.State);
        change(next);
        return state.WriteReplacedAsync(next);
    }
}
