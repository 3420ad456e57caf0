using System.Text;

namespace OrleansRepl.Cli.Tests;

/// <summary>Runs one <c>orepl</c> command line in-process, with the given standard input, capturing both outputs.</summary>
internal static class CliRun
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, byte[]? standardInput = null)
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var exitCode = await OreplCommand.RunAsync(args, () => new MemoryStream(standardInput ?? []), output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
