namespace OrleansRepl.Core.Storage;

/// <summary>
/// Timestamps that follow wall-clock milliseconds but never go backwards and never repeat: the upper
/// 48 bits are milliseconds since the Unix epoch, the lower 16 a counter within one millisecond. Observing
/// a timestamp from elsewhere moves the clock past it, so a local write after an import wins.
/// </summary>
public sealed class HybridLogicalClock(TimeProvider time)
{
    private const int CounterBits = 16;
    private ulong _last;

    public HybridLogicalClock()
        : this(TimeProvider.System)
    {
    }

    public ulong Next()
    {
        var physical = (ulong)time.GetUtcNow().ToUnixTimeMilliseconds() << CounterBits;
        while (true)
        {
            var last = Volatile.Read(ref _last);
            var next = Math.Max(physical, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }

    public void Observe(ulong timestamp)
    {
        while (true)
        {
            var last = Volatile.Read(ref _last);
            if (timestamp <= last || Interlocked.CompareExchange(ref _last, timestamp, last) == last)
            {
                return;
            }
        }
    }
}
