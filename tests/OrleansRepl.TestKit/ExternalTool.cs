using System.Diagnostics;

namespace OrleansRepl.TestKit;

/// <summary>Runs reference command-line tools and the project's own executables; a missing tool fails the test with how to install it.</summary>
public static class ExternalTool
{
    public static string Run(string tool, IEnumerable<string> arguments, byte[]? standardInput = null)
    {
        var result = RunProcess(Resolve(tool), arguments, standardInput);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} exited with {result.ExitCode}: {result.StandardError}");
        }

        return result.StandardOutput;
    }

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>Runs <paramref name="executable"/> to completion (at most two minutes) and returns its exit code and both outputs.</summary>
    public static ProcessResult RunProcess(string executable, IEnumerable<string> arguments, byte[]? standardInput = null) =>
        RunProcess(executable, arguments, new Dictionary<string, string>(), standardInput);

    /// <summary>As <see cref="RunProcess(string, IEnumerable{string}, byte[])"/>, with <paramref name="environment"/> added to the process's environment.</summary>
    public static ProcessResult RunProcess(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, byte[]? standardInput = null) =>
        RunProcess(executable, arguments, environment, standardInput, Patience);

    /// <summary>
    /// As <see cref="RunProcess(string, IEnumerable{string}, IReadOnlyDictionary{string, string}, byte[])"/>, given
    /// <paramref name="patience"/>: past it the process and its children are killed, and the exception carries the end
    /// of what it printed.
    /// </summary>
    public static ProcessResult RunProcess(string executable, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, byte[]? standardInput, TimeSpan patience)
    {
        using var process = Start(executable, arguments, redirectInput: true, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            process.StandardInput.BaseStream.Write(standardInput);
        }

        process.StandardInput.Close();
        if (!process.WaitForExit(patience))
        {
            process.Kill(entireProcessTree: true);
            try
            {
                Task.WaitAll([output, error], TimeSpan.FromSeconds(10)); // its outputs end with it: what it printed says where it was
            }
            catch (AggregateException)
            {
                // a failed read is shown as unreadable below
            }
            throw new TimeoutException($"{executable} {string.Join(' ', arguments)} did not finish within {patience.TotalSeconds} s; "
                + $"it printed:\n{Tail(output)}\nand on stderr:\n{Tail(error)}");
        }

        return new ProcessResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Starts <paramref name="executable"/> with its output (and optionally input) redirected; the caller owns the process.</summary>
    public static Process Start(string executable, IEnumerable<string> arguments, bool redirectInput = false, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
    }

    /// <summary>The last 4,000 characters a killed process printed: enough to see where it was stuck.</summary>
    private static string Tail(Task<string> printed) => !printed.IsCompletedSuccessfully
        ? "(not readable: a process it started still holds the pipe)"
        : printed.Result.Length <= 4000 ? printed.Result : "..." + printed.Result[^4000..];

    /// <summary>The full path of <paramref name="tool"/> on PATH.</summary>
    public static string Resolve(string tool)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"{tool} is not on PATH; ./test.sh installs it when run as root (apt-get install {tool})");
    }
}

/// <summary>What a finished process returned and printed.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError);
