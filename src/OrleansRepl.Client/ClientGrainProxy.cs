using System.Reflection;

namespace OrleansRepl.Client;

/// <summary>A grain reference that sends each call to a gateway. Not sealed: DispatchProxy derives from it at run time.</summary>
public class ClientGrainProxy : DispatchProxy
{
    private GrainClient? _client;
    private Type? _interface;
    private string _key = "";

    internal static TGrainInterface Create<TGrainInterface>(GrainClient client, string key)
    {
        var proxy = DispatchProxy.Create<TGrainInterface, ClientGrainProxy>();
        var self = (ClientGrainProxy)(object)proxy!;
        (self._client, self._interface, self._key) = (client, typeof(TGrainInterface), key);
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        var call = _client!.InvokeAsync(_interface!, _key, targetMethod, args ?? []);
        return AwaitableShape.As(call, targetMethod.ReturnType);
    }
}
