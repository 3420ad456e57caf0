using System.Diagnostics;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests;

/// <summary>The built <c>orepl</c> (copied next to the tests) run as a real process through <c>dotnet</c>.</summary>
internal static class Orepl
{
    /// <summary>Runs to completion and returns the exit code and both outputs.</summary>
    public static ProcessResult Run(string[] arguments, byte[]? standardInput = null) =>
        ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"), Arguments(arguments), standardInput);

    /// <summary>Starts it with output redirected; the caller reads, kills and disposes it.</summary>
    public static Process Start(string[] arguments) =>
        ExternalTool.Start(ExternalTool.Resolve("dotnet"), Arguments(arguments));

    private static string[] Arguments(string[] arguments) => [Path.Combine(AppContext.BaseDirectory, "orepl.dll"), .. arguments];
}
