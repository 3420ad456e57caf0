using System.Collections.Concurrent;
using System.Reflection;

namespace OrleansRepl.Hosting.Runtime;

/// <summary>Between a grain method's own return type and the host's Task&lt;object?&gt;, both ways.</summary>
internal static class Awaitables
{
    private static readonly ConcurrentDictionary<Type, Func<object, Task<object?>>> Unwrappers = new();

    public static bool IsAwaitable(Type type) =>
        type == typeof(Task) || type == typeof(ValueTask)
        || (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Task<>) || type.GetGenericTypeDefinition() == typeof(ValueTask<>)));

    /// <summary>Awaits what a grain method returned and yields its result (null for Task and ValueTask).</summary>
    public static Task<object?> Unwrap(object returned, Type returnType) => Unwrappers.GetOrAdd(returnType, Build)(returned);

    /// <summary>Turns the host's result back into the method's declared return type, for a proxy.</summary>
    public static object Wrap(Task<object?> result, Type returnType) => AwaitableShape.As(result, returnType);

    private static Func<object, Task<object?>> Build(Type type)
    {
        if (type == typeof(Task))
        {
            return static async task =>
            {
                await (Task)task;
                return null;
            };
        }

        if (type == typeof(ValueTask))
        {
            return static async task =>
            {
                await (ValueTask)task;
                return null;
            };
        }

        var argument = type.GetGenericArguments()[0];
        var name = type.GetGenericTypeDefinition() == typeof(Task<>) ? nameof(FromTask) : nameof(FromValueTask);
        var method = typeof(Awaitables).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(argument);
        return method.CreateDelegate<Func<object, Task<object?>>>();
    }

    private static async Task<object?> FromTask<T>(object task) => await (Task<T>)task;

    private static async Task<object?> FromValueTask<T>(object task) => await (ValueTask<T>)task;
}
