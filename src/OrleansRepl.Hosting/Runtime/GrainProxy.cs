using System.Reflection;

namespace OrleansRepl.Hosting.Runtime;

/// <summary>
/// A grain reference: a <see cref="DispatchProxy"/> for the grain interface that turns every call into a turn
/// of the grain's activation. Not sealed, because DispatchProxy derives the proxy type from it at run time.
/// </summary>
public class GrainProxy : DispatchProxy
{
    private GrainRuntime? _runtime;
    private Type? _interface;
    private GrainId _id;

    internal static TGrainInterface Create<TGrainInterface>(GrainRuntime runtime, Type grainInterface, GrainId id)
    {
        var proxy = DispatchProxy.Create<TGrainInterface, GrainProxy>();
        var self = (GrainProxy)(object)proxy!;
        (self._runtime, self._interface, self._id) = (runtime, grainInterface, id);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var result = _runtime!.InvokeAsync(_id, _interface!, targetMethod, args ?? []);
        return Awaitables.Wrap(result, targetMethod.ReturnType);
    }

    public override string ToString() => $"grain reference {_id}";
}
