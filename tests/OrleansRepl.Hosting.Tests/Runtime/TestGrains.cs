using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace OrleansRepl.Hosting.Tests.Runtime;

public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> AddAsync(int amount);

    ValueTask<int> GetAsync();

    /// <summary>Appends after an await; throws if another call of this activation is running meanwhile.</summary>
    Task AppendAsync(int item);

    Task<IReadOnlyList<int>> ItemsAsync();

    Task<string?> EtagAsync();

    /// <summary>Throws before any await.</summary>
    Task ThrowAtOnceAsync(string message);
}

public sealed class CounterState
{
    public int Value { get; set; }

    public List<int> Items { get; set; } = [];
}

public sealed class CounterGrain([PersistentState("counter")] IPersistentState<CounterState> counter) : Grain, ICounterGrain
{
    /// <summary>Why each activation of each key ended, for the tests to see.</summary>
    public static ConcurrentQueue<(string Key, DeactivationReason Reason)> Deactivations { get; } = new();

    /// <summary>How many times each key was activated, for the single-activation test.</summary>
    public static ConcurrentDictionary<string, int> Activations { get; } = new();

    private bool _inTurn;

    public async Task<int> AddAsync(int amount)
    {
        counter.State.Value += amount;
        await counter.WriteStateAsync();
        return counter.State.Value;
    }

    public ValueTask<int> GetAsync() => ValueTask.FromResult(counter.State.Value);

    public async Task AppendAsync(int item)
    {
        if (_inTurn)
        {
            throw new InvalidOperationException("two calls ran at once in one activation");
        }

        _inTurn = true;
        await Task.Delay(1);
        counter.State.Items.Add(item);
        await Task.Yield();
        _inTurn = false;
    }

    public Task<IReadOnlyList<int>> ItemsAsync() => Task.FromResult<IReadOnlyList<int>>(counter.State.Items);

    public Task<string?> EtagAsync() => Task.FromResult(counter.Etag);

    public Task ThrowAtOnceAsync(string message) => throw new ArgumentException(message);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Activations.AddOrUpdate(GrainKey, 1, (_, count) => count + 1);
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Deactivations.Enqueue((GrainKey, reason));
        return Task.CompletedTask;
    }
}

public interface ITickingGrain : IGrainWithStringKey
{
    Task<(int Ticks, int Overlaps)> ReadAsync();

    Task WorkAsync();
}

public sealed class TickingGrain : Grain, ITickingGrain
{
    private int _ticks;
    private int _overlaps;
    private bool _inTurn;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        RegisterGrainTimer(async _ => await RunExclusivelyAsync(() => _ticks++), TimeSpan.Zero, TimeSpan.FromMilliseconds(5));
        return Task.CompletedTask;
    }

    public Task<(int Ticks, int Overlaps)> ReadAsync() => Task.FromResult((_ticks, _overlaps));

    public Task WorkAsync() => RunExclusivelyAsync(() => { });

    private async Task RunExclusivelyAsync(Action action)
    {
        if (_inTurn)
        {
            _overlaps++;
        }

        _inTurn = true;
        await Task.Delay(1);
        action();
        _inTurn = false;
    }
}

[JsonSerializable(typeof(CounterState))]
internal sealed partial class TestStateJson : JsonSerializerContext;
