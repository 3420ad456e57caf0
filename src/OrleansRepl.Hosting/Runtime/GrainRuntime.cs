using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansRepl.Hosting.Persistence;

namespace OrleansRepl.Hosting.Runtime;

/// <summary>
/// The activation directory of one silo: at most one activation per grain here, created on the first call and
/// collected when idle. Calls are routed to the activation's turn queue.
/// </summary>
public sealed partial class GrainRuntime : IGrainFactory, IAsyncDisposable
{
    private const int MaxAttempts = 10;
    private readonly ConcurrentDictionary<GrainId, Activation> _activations = new();
    private readonly IServiceProvider _services;
    private readonly GrainTypeRegistry _registry;
    private readonly IGrainStorage _storage;
    private readonly GrainHostOptions _options;
    private readonly ILogger _logger;
    private readonly Placement.IRemoteGrainInvoker? _remote;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _collector;
    private int _disposed;

    public GrainRuntime(IServiceProvider services, GrainTypeRegistry registry, IGrainStorage storage, GrainHostOptions options, ILogger<GrainRuntime> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"invalid grain host options: {string.Join("; ", problems)}");
        }

        _services = services;
        _registry = registry;
        _storage = storage;
        _options = options;
        _logger = logger;
        _remote = services.GetService<Placement.IRemoteGrainInvoker>();
        _collector = CollectIdleAsync(_stopping.Token);
    }

    /// <summary>How many activations this silo holds.</summary>
    public int ActivationCount => _activations.Count;

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return GrainProxy.Create<TGrainInterface>(this, typeof(TGrainInterface), new GrainId(_registry.ClassOf(typeof(TGrainInterface)), key));
    }

    /// <summary>
    /// Runs <paramref name="method"/> on the grain as a turn of its activation here, activating it first if needed;
    /// a grain of another node is called on that node's silo. A call that was already <paramref name="forwarded"/>
    /// to this silo is served here or refused, never forwarded again.
    /// </summary>
    internal async Task<object?> InvokeAsync(GrainId id, Type grainInterface, MethodInfo method, object?[] arguments, bool forwarded = false)
    {
        if (_options.LocalNode is { } local && Placement.GrainPlacement.OwnerOf(id.Key, _options.HomeNode) is { } owner && owner != local)
        {
            if (forwarded || _remote is null)
            {
                throw new MisdirectedGrainCallException(id.ToString(), owner, local);
            }

            return await _remote.InvokeAsync(owner, grainInterface, id.Key, method, arguments);
        }

        for (var attempt = 1; ; attempt++)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this); // a stopped or fenced silo serves no calls
            var activation = _activations.GetOrAdd(id, static (grainId, runtime) => new Activation(grainId, runtime, runtime.CreateAsync, runtime.Remove), this);
            activation.EnsureStarted();
            // DoNotWrapExceptions: a method that throws before its first await fails with its own exception, as an awaited one would.
            if (activation.TryCall(grain => Awaitables.Unwrap(method.Invoke(grain, BindingFlags.DoNotWrapExceptions, null, arguments, null)!, method.ReturnType)) is { } call)
            {
                return await call;
            }

            if (attempt == MaxAttempts)
            {
                throw new InvalidOperationException($"{id} could not be activated after {MaxAttempts} attempts");
            }

            await activation.Deactivated; // it is going away; the next attempt finds or makes a fresh one
        }
    }

    /// <summary>Deactivates every activation once its queued calls have run; later calls are refused. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            await Task.WhenAll(_activations.Values.Select(a => a.Deactivated));
            return;
        }

        await _stopping.CancelAsync();
        await _collector;
        foreach (var activation in _activations.Values)
        {
            activation.EnsureStarted(); // one just added by a caller that has not started it yet must still end
            activation.RequestDeactivation(DeactivationReason.ShuttingDown);
        }

        await Task.WhenAll(_activations.Values.Select(a => a.Deactivated));
        _stopping.Dispose();
    }

    /// <summary>Builds the grain: constructor arguments from DI (optional when they have a default), persistent states from storage, then state reads and OnActivateAsync.</summary>
    private async Task<Grain> CreateAsync(Activation activation, CancellationToken cancellationToken)
    {
        var grainClass = activation.Id.GrainClass;
        var constructor = GrainTypeRegistry.Constructor(grainClass);
        var states = new List<object>();
        var arguments = constructor.GetParameters().Select(parameter =>
        {
            if (parameter.GetCustomAttribute<PersistentStateAttribute>() is { } attribute)
            {
                var stateType = parameter.ParameterType.GetGenericArguments()[0];
                var state = PersistentStateFactory.Create(stateType, _storage, $"{GrainTypeRegistry.TypeName(grainClass)}.{attribute.StateName}", activation.Key, _options.StateJson);
                states.Add(state);
                return state;
            }

            if (parameter.ParameterType == typeof(IGrainFactory))
            {
                return this;
            }

            // A parameter with a default is an optional service (a silo may not host what it offers).
            return parameter.HasDefaultValue ? _services.GetService(parameter.ParameterType) ?? parameter.DefaultValue : _services.GetRequiredService(parameter.ParameterType);
        }).ToArray();

        var grain = (Grain)constructor.Invoke(arguments);
        GrainRuntimeBinding.Bind(grain, activation);
        foreach (var state in states)
        {
            await (Task)state.GetType().GetMethod(nameof(IPersistentState<object>.ReadStateAsync))!.Invoke(state, [cancellationToken])!;
        }

        await grain.OnActivateAsync(cancellationToken);
        LogActivated(_logger, activation.Id.ToString());
        return grain;
    }

    private void Remove(Activation activation)
    {
        _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));
        LogDeactivated(_logger, activation.Id.ToString());
    }

    private async Task CollectIdleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.CollectionInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                foreach (var activation in _activations.Values.Where(a => a.IdleFor >= _options.IdleAge))
                {
                    activation.RequestDeactivation(DeactivationReason.Idle);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Debug, Message = "activated {Grain}")]
    private static partial void LogActivated(ILogger logger, string grain);

    [LoggerMessage(EventId = 601, Level = LogLevel.Debug, Message = "deactivated {Grain}")]
    private static partial void LogDeactivated(ILogger logger, string grain);
}
