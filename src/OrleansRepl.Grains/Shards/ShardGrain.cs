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
            state.State.LastError = error; // the last error outlives the process
            await WriteAsync();
        }

        return state.State.Paused;
    }

    public async Task PauseAsync()
    {
        state.State.Paused = true;
        await WriteAsync();
    }

    public async Task ResumeAsync()
    {
        state.State.Paused = false;
        await WriteAsync();
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

        state.State.Cursor = _pending;
        _pending = null;
        await WriteAsync();
    }

    private async Task WriteAsync()
    {
        await state.WriteStateAsync();
        _lastWrite = Stopwatch.GetTimestamp();
    }
}
