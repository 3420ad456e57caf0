namespace OrleansRepl.TestKit;

/// <summary>Bounded waiting: check a condition every few milliseconds until it holds or the time is up.</summary>
public static class Poll
{
    /// <summary>Returns once <paramref name="condition"/> is true; throws naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>Returns once <paramref name="condition"/> is true; throws naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} did not happen within {timeout.TotalSeconds:F0} s");
            }

            await Task.Delay(20);
        }
    }
}
