using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using OrleansRepl.Core.Replication.Streaming;

namespace OrleansRepl.Silo.Bench;

/// <summary>
/// What the machine itself costs a replicated write while the cluster runs, measured beside it on threads of their
/// own: how late a 1 ms sleep wakes (every hop of a write, leader to follower and back, waits for such a wake-up),
/// and how long a 4 KiB write and fsync beside the stores takes every 10 ms (a follower fsyncs each batch before it
/// acknowledges it). These are the peers a lag figure is read against: the lag cannot be lower than its fsync and
/// its wake-ups on the same machine at the same moment.
/// </summary>
internal sealed class HostFloorProbe : IDisposable
{
    private readonly List<double> _wakeLate = [];
    private readonly List<double> _fsyncs = [];
    private readonly string _file;
    private readonly Thread _waker;
    private readonly Thread _syncer;
    private volatile bool _stopping;

    private HostFloorProbe(string directory)
    {
        _file = Path.Combine(directory, "host-floor-probe");
        _waker = new Thread(Wake) { IsBackground = true, Name = "host-floor wake probe" };
        _syncer = new Thread(Sync) { IsBackground = true, Name = "host-floor fsync probe" };
    }

    /// <summary>Starts both probes, writing the fsync probe's file in <paramref name="directory"/>.</summary>
    public static HostFloorProbe Start(string directory)
    {
        var probe = new HostFloorProbe(directory);
        probe._waker.Start();
        probe._syncer.Start();
        return probe;
    }

    /// <summary>Stops both probes; returns each one's p50, p99 and max in milliseconds.</summary>
    public ((double P50, double P99, double Max) WakeLate, (double P50, double P99, double Max) Fsync) Stop()
    {
        _stopping = true;
        _waker.Join();
        _syncer.Join();
        return (Summary(_wakeLate), Summary(_fsyncs));
    }

    public void Dispose()
    {
        if (!_stopping)
        {
            Stop();
        }

        File.Delete(_file);
    }

    private static (double, double, double) Summary(List<double> samples)
    {
        if (samples.Count == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }

        var sorted = samples.Order().ToArray();
        return (ReplicationLag.Percentile(sorted, 0.5), ReplicationLag.Percentile(sorted, 0.99), sorted[^1]);
    }

    private void Wake()
    {
        while (!_stopping)
        {
            var start = Stopwatch.GetTimestamp();
            Thread.Sleep(1);
            _wakeLate.Add(Math.Max(0, Stopwatch.GetElapsedTime(start).TotalMilliseconds - 1));
        }
    }

    private void Sync()
    {
        var block = new byte[4096];
        using SafeFileHandle handle = File.OpenHandle(_file, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.None);
        for (var offset = 0L; !_stopping; offset += block.Length)
        {
            RandomAccess.Write(handle, block, offset);
            var start = Stopwatch.GetTimestamp();
            RandomAccess.FlushToDisk(handle);
            _fsyncs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Thread.Sleep(10);
        }
    }
}
