namespace OrleansRepl.Silo.Data;

/// <summary>
/// How many batches the key-value API reads and writes at once. A batch beyond the limit is not queued: it is told
/// to come back (429), so a flood of batches can hold neither memory nor shard locks beyond the limit's share.
/// </summary>
public sealed class BatchAdmission(int limit) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(limit, limit);

    public int Limit { get; } = limit;

    /// <summary>A slot, or null when every one is taken; dispose the slot when the batch is done.</summary>
    public IDisposable? TryEnter() => _slots.Wait(0) ? new Slot(_slots) : null;

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
