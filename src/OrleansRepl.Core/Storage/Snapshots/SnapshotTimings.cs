using System.Diagnostics;

namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>
/// Where a snapshot install spent its time: writing the received bytes, hashing each segment, decoding every record
/// (the pass that indexes a store), fsyncing, and waiting for the verification of one part to finish before the
/// next part's could start. Verification runs beside the receiving, so these overlap and do not add up to the
/// install's wall time.
/// </summary>
public sealed record SnapshotInstallTimings(TimeSpan Write, TimeSpan Hash, TimeSpan Records, TimeSpan Fsync, TimeSpan Stalled);

/// <summary>Accumulates <see cref="SnapshotInstallTimings"/> from the receiving thread and the verifying one.</summary>
internal sealed class SnapshotTimer
{
    private long _write;
    private long _hash;
    private long _records;
    private long _fsync;
    private long _stalled;

    public static long Now => Stopwatch.GetTimestamp();

    public void Write(long since) => Interlocked.Add(ref _write, Stopwatch.GetTimestamp() - since);

    public void Hash(long since) => Interlocked.Add(ref _hash, Stopwatch.GetTimestamp() - since);

    public void Records(long since) => Interlocked.Add(ref _records, Stopwatch.GetTimestamp() - since);

    public void Fsync(long since) => Interlocked.Add(ref _fsync, Stopwatch.GetTimestamp() - since);

    public void Stalled(long since) => Interlocked.Add(ref _stalled, Stopwatch.GetTimestamp() - since);

    public SnapshotInstallTimings Snapshot() => new(Time(ref _write), Time(ref _hash), Time(ref _records), Time(ref _fsync), Time(ref _stalled));

    private static TimeSpan Time(ref long ticks) => Stopwatch.GetElapsedTime(0, Volatile.Read(ref ticks));
}
