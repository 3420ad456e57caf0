namespace OrleansRepl;

/// <summary>
/// The base of every grain class. The host sets the key and runtime before activation; one call runs at a time
/// (a turn), timers tick as turns, and an idle activation is deactivated.
/// </summary>
public abstract class Grain
{
    internal IGrainContext? Context { get; set; }

    /// <summary>This grain's key.</summary>
    public string GrainKey => RuntimeContext.Key;

    /// <summary>References to other grains.</summary>
    protected IGrainFactory GrainFactory => RuntimeContext.GrainFactory;

    private IGrainContext RuntimeContext => Context ?? throw new InvalidOperationException($"{GetType().Name} is not activated by a grain host");

    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Calls <paramref name="callback"/> as a turn of this activation after <paramref name="dueTime"/>, then every <paramref name="period"/>, until disposed or deactivated.</summary>
    protected IDisposable RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        RuntimeContext.RegisterTimer(callback, dueTime, period);

    /// <summary>Deactivates this activation once the current turn ends.</summary>
    protected void DeactivateOnIdle() => RuntimeContext.DeactivateOnIdle();
}

/// <summary>Why an activation ends.</summary>
public enum DeactivationReason
{
    Idle,
    Requested,
    InconsistentState,
    ShuttingDown,
    ActivationFailed,
}

/// <summary>What the host gives a grain: its key, a factory and its turn scheduler.</summary>
public interface IGrainContext
{
    string Key { get; }

    IGrainFactory GrainFactory { get; }

    IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period);

    void DeactivateOnIdle();
}

/// <summary>Host access to a grain's runtime context (the host lives in another assembly).</summary>
public static class GrainRuntimeBinding
{
    public static void Bind(Grain grain, IGrainContext context)
    {
        ArgumentNullException.ThrowIfNull(grain);
        grain.Context = context;
    }
}
