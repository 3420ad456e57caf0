namespace OrleansRepl.Silo.Demo;

/// <summary>Placeholder until the demo lands in the next commit.</summary>
internal static class DemoCommand
{
    public static Task<int> RunAsync(string[] arguments) => Task.FromResult(2);
}
