namespace OrleansRepl.Core.Storage;

/// <summary>
/// Timestamps that follow wall-clock milliseconds but never go backwards and never repeat: the upper
/// 48 bits are milliseconds since the Unix epoch, the lower 16 a counter within one millisecond. Observing
/// a timestamp from elsewhere moves the clock past it, so a local write after an import wins.
/// </summary>
/// <remarks>
/// A timestamp is accepted from elsewhere only up to <see cref="MaxSkew"/> past this node's wall clock
/// (<see cref="Accepts"/>). Without that bound one record stamped far in the future (a peer with a wrong clock,
/// or a hostile one sending <see cref="ulong.MaxValue"/>) would drag this clock along for good: every later local
/// write would lose last-writer-wins, and the counter would wrap to zero.
/// </remarks>
public sealed class HybridLogicalClock(TimeProvider time, TimeSpan maxSkew)
{
    private const int CounterBits = 16;
    private ulong _last;
    private ulong _knownLimit;

    public HybridLogicalClock()
        : this(TimeProvider.System, TimeSpan.FromMinutes(1))
    {
    }

    /// <summary>How far past this node's wall clock an observed timestamp may be.</summary>
    public TimeSpan MaxSkew { get; } = maxSkew;

    /// <summary>The latest timestamp accepted from elsewhere right now: wall clock plus <see cref="MaxSkew"/>.</summary>
    public ulong Limit => Stamp(time.GetUtcNow() + MaxSkew);

    public ulong Next()
    {
        var physical = Stamp(time.GetUtcNow());
        while (true)
        {
            var last = Volatile.Read(ref _last);
            var next = Math.Max(physical, last == ulong.MaxValue ? throw new InvalidOperationException("the hybrid logical clock is exhausted") : last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next;
            }
        }
    }

    /// <summary>Whether <paramref name="timestamp"/> is within <see cref="MaxSkew"/> of this node's clock.</summary>
    public bool Accepts(ulong timestamp) => timestamp <= Limit;

    /// <summary>
    /// Moves the clock past <paramref name="timestamp"/>, but never past <see cref="Limit"/>: callers refuse records
    /// beyond it before they get here, and a record already in the local log that lies beyond it (written under a
    /// clock that was wrong) must not carry the clock there either.
    /// </summary>
    public void Observe(ulong timestamp)
    {
        // The limit grows with the wall clock, so a timestamp under one computed before is under it now; the clock is
        // read again only when a timestamp passes the last limit read (about once per millisecond of a catch-up, not
        // per record). A wall clock stepped back keeps the larger limit it had until it catches up.
        if (timestamp > Volatile.Read(ref _knownLimit))
        {
            var limit = Limit;
            Volatile.Write(ref _knownLimit, limit);
            timestamp = Math.Min(timestamp, limit);
        }

        while (true)
        {
            var last = Volatile.Read(ref _last);
            if (timestamp <= last || Interlocked.CompareExchange(ref _last, timestamp, last) == last)
            {
                return;
            }
        }
    }

    private static ulong Stamp(DateTimeOffset at) => (ulong)Math.Max(0, at.ToUnixTimeMilliseconds()) << CounterBits;
}
