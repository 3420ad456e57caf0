using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;

namespace OrleansRepl;

/// <summary>
/// For grain references (in-silo and client): turns a call's <see cref="Task{TResult}"/> of object into the
/// method's declared Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AwaitableShape
{
    private static readonly ConcurrentDictionary<Type, Func<Task<object?>, object>> Shapers = new();

    public static object As(Task<object?> call, Type returnType)
    {
        ArgumentNullException.ThrowIfNull(returnType);
        return Shapers.GetOrAdd(returnType, Build)(call);
    }

    private static Func<Task<object?>, object> Build(Type type)
    {
        if (type == typeof(Task))
        {
            return static call => call;
        }

        if (type == typeof(ValueTask))
        {
            return static call => new ValueTask(call);
        }

        var argument = type.GetGenericArguments()[0];
        var name = type.GetGenericTypeDefinition() == typeof(Task<>) ? nameof(ToTask) : nameof(ToValueTask);
        return typeof(AwaitableShape).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(argument).CreateDelegate<Func<Task<object?>, object>>();
    }

    private static object ToTask<T>(Task<object?> call) => Cast<T>(call);

    private static object ToValueTask<T>(Task<object?> call) => new ValueTask<T>(Cast<T>(call));

    private static async Task<T> Cast<T>(Task<object?> call) => (T)(await call)!;
}
