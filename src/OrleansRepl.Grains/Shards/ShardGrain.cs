using System.Diagnostics;
using System.Globalization;
using OrleansRepl.Core.Replication.Streaming.Follower;

namespace OrleansRepl.Grains.Shards;

/// <summary>Durable state of a <see cref="ShardGrain"/>.</summary>
public sealed class ShardGrainState
{
    public FollowerCursor? Cursor { get; set; }

    public bool Paused { get; set; }

    public string? LastError { get; set; }

    public ShardGrainState Copy() => new() { Cursor = Cursor, Paused = Paused, LastError = LastError };
}

/// <summary>
/// Holds a shard follower's cursor and status. Cursor saves arrive as often as the follower likes; the grain
/// keeps the latest in memory and writes it at most once per <see cref="WriteInterval"/> (a timer writes the
/// one still pending), and on flush and deactivation. A cursor that lags the store loses nothing, since apply
/// is idempotent by LSN, so coalescing is safe.
/// </summary>
public sealed class ShardGrain([PersistentState("shard")] IPersistentState<ShardGrainState> state) : Grain, IShardGrain
{
    public static readonly TimeSpan WriteInterval = TimeSpan.FromMilliseconds(100);

    private FollowerCursor? _pending;
    private long _lastWrite = long.MinValue;
    private IDisposable? _flushTimer;
    private ShardReport _report = new("Unknown", null, 0, 0, 0, null);

    public Task<FollowerCursor?> LoadCursorAsync() => Task.FromResult(_pending ?? state.State.Cursor);

    public async Task SaveCursorAsync(FollowerCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        _pending = cursor;
        if (_lastWrite == long.MinValue || Stopwatch.GetElapsedTime(_lastWrite) >= WriteInterval)
        {
            await WritePendingAsync();
            return;
        }

        // Written by the timer once the interval has passed; one timer at a time.
        _flushTimer ??= RegisterGrainTimer(async _ => await WritePendingAsync(), WriteInterval - Stopwatch.GetElapsedTime(_lastWrite), WriteInterval);
    }

    public Task FlushAsync() => WritePendingAsync();

    public async Task<bool> ReportAsync(ShardReport report)
    {
        _report = report ?? throw new ArgumentNullException(nameof(report));
        if (report.LastError is { } error && error != state.State.LastError)
        {
            await WriteAsync(s => s.LastError = error); // the last error outlives the process
        }

        return state.State.Paused;
    }

    public async Task PauseAsync()
    {
        await WriteAsync(s => s.Paused = true);
    }

    public async Task ResumeAsync()
    {
        await WriteAsync(s => s.Paused = false);
    }

    public Task<ShardStatus> GetStatusAsync()
    {
        var cursor = _pending ?? state.State.Cursor;
        var writes = state.Etag is { } etag ? long.Parse(etag, CultureInfo.InvariantCulture) : 0;
        return Task.FromResult(new ShardStatus(GrainKey, state.State.Paused ? "Paused" : _report.State, _report.Leader, state.State.Paused, cursor?.LastAppliedLsn ?? 0, cursor?.AppliedTotal ?? 0,
            _report.LagRecords, _report.LagMilliseconds, _report.RecordsPerSecond, _report.LastError ?? state.State.LastError, writes));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => WritePendingAsync();

    private async Task WritePendingAsync()
    {
        _flushTimer?.Dispose();
        _flushTimer = null;
        if (_pending is null)
        {
            return;
        }

        var cursor = _pending;
        await WriteAsync(s => s.Cursor = cursor);
        if (_pending == cursor)
        {
            _pending = null; // written; on a failed write it stays pending for the next one
        }
    }

    private async Task WriteAsync(Action<ShardGrainState> change)
    {
        await state.WriteChangedAsync(s => s.Copy(), change);
        _lastWrite = Stopwatch.GetTimestamp();
    }
}
