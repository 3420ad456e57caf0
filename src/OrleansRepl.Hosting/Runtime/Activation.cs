using System.Diagnostics;
using System.Threading.Channels;

namespace OrleansRepl.Hosting.Runtime;

/// <summary>
/// One live grain: its instance and its turn queue. Turns run one at a time, each to completion, awaits included
/// (non-reentrant, as in Orleans). The first turn activates: states are read, then OnActivateAsync. Deactivation
/// closes the queue, runs the turns already accepted, then OnDeactivateAsync; a caller turned away meanwhile
/// waits for <see cref="Deactivated"/> and asks the runtime again.
/// </summary>
internal sealed class Activation : IGrainContext
{
    private readonly Channel<Turn> _turns = Channel.CreateUnbounded<Turn>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _deactivated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<GrainTimer> _timers = [];
    private readonly Func<Activation, CancellationToken, Task<Grain>> _create;
    private readonly Action<Activation> _removed;
    private Grain? _grain;
    private long _lastActive = Stopwatch.GetTimestamp();
    private int _deactivate = NotDeactivating; // a DeactivationReason once requested; the first request wins
    private int _started;

    private const int NotDeactivating = -1;

    public Activation(GrainId id, IGrainFactory factory, Func<Activation, CancellationToken, Task<Grain>> create, Action<Activation> removed)
    {
        Id = id;
        GrainFactory = factory;
        _create = create;
        _removed = removed;
    }

    public GrainId Id { get; }

    public string Key => Id.Key;

    public IGrainFactory GrainFactory { get; }

    public Task Deactivated => _deactivated.Task;

    public TimeSpan IdleFor => Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActive));

    /// <summary>
    /// Starts the activation (builds the grain, reads its state) once, however many callers ask. The directory
    /// may construct an activation it then discards under contention; only the one it keeps is ever started.
    /// </summary>
    public void EnsureStarted()
    {
        if (Interlocked.CompareExchange(ref _started, 1, 0) == 0)
        {
            _ = RunAsync();
        }
    }

    /// <summary>Queues a call; null when the activation no longer takes calls (the caller retries on a fresh one).</summary>
    public Task<object?>? TryCall(Func<Grain, Task<object?>> call, bool countsAsActivity = true)
    {
        var turn = new Turn(call, countsAsActivity);
        return _turns.Writer.TryWrite(turn) ? turn.Result.Task : null;
    }

    /// <summary>Ends the activation after the turns already queued.</summary>
    public void RequestDeactivation(DeactivationReason reason)
    {
        Request(reason);
        _turns.Writer.TryWrite(new Turn(static _ => Task.FromResult<object?>(null), CountsAsActivity: false));
    }

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new GrainTimer(this, callback, dueTime, period);
        lock (_timers)
        {
            _timers.Add(timer);
        }

        return timer;
    }

    public void DeactivateOnIdle() => Request(DeactivationReason.Requested);

    /// <summary>Records why the activation ends; safe from any thread (the idle collector runs beside the turns).</summary>
    private void Request(DeactivationReason reason) => Interlocked.CompareExchange(ref _deactivate, (int)reason, NotDeactivating);

    private bool DeactivationRequested => Volatile.Read(ref _deactivate) != NotDeactivating;

    private async Task RunAsync()
    {
        await Task.Yield();
        try
        {
            _grain = await _create(this, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Activation failed: every call already queued, and every call until removal, fails with the reason.
            _turns.Writer.TryComplete();
            await foreach (var turn in _turns.Reader.ReadAllAsync())
            {
                turn.Result.TrySetException(new InvalidOperationException($"activation of {Id} failed: {e.Message}", e));
            }

            Finish();
            return;
        }

        await foreach (var turn in _turns.Reader.ReadAllAsync())
        {
            try
            {
                turn.Result.TrySetResult(await turn.Call(_grain));
            }
            catch (Exception e)
            {
                if (e is InconsistentStateException)
                {
                    Request(DeactivationReason.InconsistentState); // the next call re-reads the state
                }

                turn.Result.TrySetException(e);
            }

            if (turn.CountsAsActivity)
            {
                Volatile.Write(ref _lastActive, Stopwatch.GetTimestamp());
            }

            if (DeactivationRequested)
            {
                _turns.Writer.TryComplete(); // turns already accepted still run; new callers go to a new activation
            }
        }

        lock (_timers)
        {
            _timers.ForEach(t => t.Dispose());
        }

        try
        {
            await _grain.OnDeactivateAsync(DeactivationRequested ? (DeactivationReason)Volatile.Read(ref _deactivate) : DeactivationReason.ShuttingDown, CancellationToken.None);
        }
        finally
        {
            Finish();
        }
    }

    private void Finish()
    {
        _removed(this);
        _deactivated.TrySetResult();
    }

    private sealed record Turn(Func<Grain, Task<object?>> Call, bool CountsAsActivity)
    {
        public TaskCompletionSource<object?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>A grain timer: each tick is queued as a turn and awaited, so ticks never overlap or pile up.</summary>
    private sealed class GrainTimer : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();

        public GrainTimer(Activation activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
        {
            _ = TickAsync(activation, callback, dueTime, period);
        }

        public void Dispose()
        {
            _stop.Cancel();
        }

        private async Task TickAsync(Activation activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
        {
            try
            {
                await Task.Delay(dueTime, _stop.Token);
                while (!_stop.IsCancellationRequested)
                {
                    var tick = activation.TryCall(async _ =>
                    {
                        await callback(_stop.Token);
                        return null;
                    }, countsAsActivity: false);
                    if (tick is null)
                    {
                        return;
                    }

                    await tick.ContinueWith(static _ => { }, TaskScheduler.Default); // a failed tick does not stop the timer
                    await Task.Delay(period, _stop.Token);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}

/// <summary>A grain's identity: its class and its key.</summary>
internal readonly record struct GrainId(Type GrainClass, string Key)
{
    public override string ToString() => $"{GrainClass.Name}/{Key}";
}
