using System.Reflection;

namespace OrleansRepl.Hosting.Runtime;

/// <summary>Which grain class implements each grain interface, and the name its state is stored under.</summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, Type> _classes = [];

    public void Add<TInterface, TGrain>()
        where TInterface : IGrainWithStringKey
        where TGrain : Grain, TInterface
    {
        if (!_classes.TryAdd(typeof(TInterface), typeof(TGrain)))
        {
            throw new InvalidOperationException($"{typeof(TInterface).Name} is already implemented by {_classes[typeof(TInterface)].Name}");
        }

        foreach (var method in MethodsOf(typeof(TInterface)))
        {
            if (!Awaitables.IsAwaitable(method.ReturnType))
            {
                throw new InvalidOperationException($"{typeof(TInterface).Name}.{method.Name} returns {method.ReturnType.Name}; grain methods return Task, Task<T>, ValueTask or ValueTask<T>");
            }
        }
    }

    /// <summary>A registered grain interface by its full name, as the gateway receives it; null if none.</summary>
    public Type? InterfaceNamed(string fullName) => _classes.Keys.FirstOrDefault(i => i.FullName == fullName);

    public Type ClassOf(Type grainInterface) =>
        _classes.TryGetValue(grainInterface, out var grainClass)
            ? grainClass
            : throw new InvalidOperationException($"no grain class is registered for {grainInterface.Name}; call AddGrain<{grainInterface.Name}, TGrain>()");

    /// <summary>Every instance method a grain interface has, those of the grain interfaces it extends included (static helpers are not calls).</summary>
    public static IEnumerable<MethodInfo> MethodsOf(Type grainInterface) =>
        grainInterface.GetInterfaces().Append(grainInterface).SelectMany(i => i.GetMethods(BindingFlags.Public | BindingFlags.Instance));

    /// <summary>The stored name of a grain class: its full name, stable across hosts.</summary>
    public static string TypeName(Type grainClass) => grainClass.FullName ?? grainClass.Name;

    internal static ConstructorInfo Constructor(Type grainClass) =>
        grainClass.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault()
            ?? throw new InvalidOperationException($"{grainClass.Name} has no public constructor");
}
