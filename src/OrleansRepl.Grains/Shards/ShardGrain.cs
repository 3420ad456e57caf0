using Microsoft.Extensions.Logging;
using System.Diagnostics;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Placement;

namespace OrleansRepl.Grains.Shards;

/// <summary>
/// Holds a shard follower's cursor and status. Cursor saves arrive as often as the follower likes; the grain
/// keeps the latest in memory and writes it at most once per <see cref="WriteInterval"/> (a timer writes the
/// one still pending), and on flush and deactivation. A cursor that lags the store loses nothing, since apply
/// is idempotent by LSN, so coalescing is safe.
/// </summary>
[NodeAffinePlacement]
public sealed partial class ShardGrain([PersistentState("shard", GrainStorageNames.Node)] IPersistentState<ShardGrainState> state, ILogger<ShardGrain> logger) : Grain, IShardGrain
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
        _flushTimer ??= this.RegisterGrainTimer(_ => WritePendingAsync(), WriteInterval - Stopwatch.GetElapsedTime(_lastWrite), WriteInterval);
    }

    public Task FlushAsync() => WritePendingAsync();

    public async Task ReportAsync(ShardReport report)
    {
        _report = report ?? throw new ArgumentNullException(nameof(report));
        if (report.LastError is { } error && error != state.State.LastError)
        {
            await WriteAsync(s => s.LastError = error); // the last error outlives the process
        }
    }

    public async Task PauseAsync()
    {
        await WriteAsync(s => s.Paused = true);
        await TellNodeAsync();
    }

    public async Task ResumeAsync()
    {
        await WriteAsync(s => s.Paused = false);
        await TellNodeAsync();
    }

    public Task<ShardStatus> GetStatusAsync()
    {
        var cursor = _pending ?? state.State.Cursor;
        return Task.FromResult(new ShardStatus(this.GetPrimaryKeyString(), state.State.Paused ? "Paused" : _report.State, _report.Leader, state.State.Paused, cursor?.LastAppliedLsn ?? 0, cursor?.AppliedTotal ?? 0,
            _report.LagRecords, _report.LagMilliseconds, _report.RecordsPerSecond, _report.LastError ?? state.State.LastError, state.State.Writes));
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
        await state.WriteChangedAsync(s => s.Copy(), s =>
        {
            change(s);
            s.Writes++;
        });
        _lastWrite = Stopwatch.GetTimestamp();
    }

    /// <summary>The pause is durable already; telling the node's workers only spares them the wait for their next read.</summary>
    private async Task TellNodeAsync()
    {
        var node = ShardKey.Parse(this.GetPrimaryKeyString()).Node;
        try
        {
            await GrainFactory.Node(node).DirectivesChangedAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogNodeNotTold(logger, this.GetPrimaryKeyString(), node, e.Message);
        }
    }

    [LoggerMessage(EventId = 910, Level = LogLevel.Debug, Message = "shard {Shard}: node {Node} was not told of its changed directive now ({Reason}); its workers read it at their next tick")]
    private static partial void LogNodeNotTold(ILogger logger, string shard, string node, string reason);
}
