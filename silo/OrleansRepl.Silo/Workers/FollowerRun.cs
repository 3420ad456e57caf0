using System.Diagnostics;
using OrleansRepl.Core.Replication.Streaming.Follower;

namespace OrleansRepl.Silo.Workers;

/// <summary>One running shard follower: whom it follows under which epoch, and its task.</summary>
internal sealed class FollowerRun(Follower follower, string leader, long epoch, CancellationTokenSource stop, Task task) : WorkerRun(stop, task)
{
    private long _lastApplied = -1;
    private long _lastSample;

    public Follower Follower { get; } = follower;

    public string Leader { get; } = leader;

    public long Epoch { get; } = epoch;

    /// <summary>Records applied per second since the previous call (0 at the first: the total then includes what the cursor carried in).</summary>
    public double SampleRate()
    {
        var applied = Follower.AppliedTotal;
        var seconds = Stopwatch.GetElapsedTime(_lastSample).TotalSeconds;
        var rate = _lastApplied >= 0 && seconds > 0 ? (applied - _lastApplied) / seconds : 0;
        (_lastApplied, _lastSample) = (applied, Stopwatch.GetTimestamp());
        return rate;
    }
}
