namespace OrleansRepl.Core.Replication;

/// <summary>
/// Holds a transfer to a pace: at least <c>minimumBytes</c> in every window of <c>window</c>, and done within
/// <c>deadline</c> of its start. Per-frame timeouts alone let a peer stall a transfer forever with a trickle of tiny
/// pieces, each in time; this ends it, and the caller's next attempt resumes.
/// </summary>
internal sealed class TransferPace(long minimumBytes, TimeSpan window, TimeSpan deadline, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _started = -1;
    private long _windowStart;
    private long _inWindow;

    /// <summary>Starts the clocks, if not started yet; the first <see cref="Moved"/> starts them too.</summary>
    public void Start()
    {
        if (_started < 0)
        {
            _started = _windowStart = _time.GetTimestamp();
        }
    }

    /// <summary>Counts <paramref name="bytes"/> moved.</summary>
    public void Moved(long bytes)
    {
        Start();
        _inWindow += bytes;
    }

    /// <summary>Null while the transfer keeps its pace; otherwise what it fell short of, naming the setting.</summary>
    public string? Shortfall(string minimumSetting, string deadlineSetting)
    {
        Start();
        var now = _time.GetTimestamp();
        if (_time.GetElapsedTime(_started, now) > deadline)
        {
            return $"has run {_time.GetElapsedTime(_started, now).TotalSeconds:F0} s, past its deadline of {deadline.TotalSeconds:F0} s ({deadlineSetting})";
        }

        var elapsed = _time.GetElapsedTime(_windowStart, now);
        if (elapsed < window)
        {
            return null;
        }

        if (_inWindow < minimumBytes)
        {
            return $"moved {_inWindow} bytes in the last {elapsed.TotalSeconds:F0} s, less than the {minimumBytes} it must in {window.TotalSeconds:F0} s ({minimumSetting})";
        }

        (_windowStart, _inWindow) = (now, 0);
        return null;
    }
}
