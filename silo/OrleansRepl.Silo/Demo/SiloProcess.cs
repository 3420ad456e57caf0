using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace OrleansRepl.Silo.Demo;

/// <summary>
/// One silo the demo runs as a child process of this same executable, its output in a log file. Stopped with
/// SIGTERM (a graceful stop that saves every cursor), killed if it does not end within the grace period.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _pump;

    private SiloProcess(string node, Process process, Task pump, SiloPorts ports, string log, bool tls)
    {
        Tls = tls;
        Node = node;
        _process = process;
        _pump = pump;
        Ports = ports;
        Log = log;
    }

    public string Node { get; }

    public SiloPorts Ports { get; }

    public string Log { get; }

    /// <summary>Whether the silo runs with TLS (its API on HTTPS).</summary>
    public bool Tls { get; }

    /// <summary>The node's key-value API and dashboard.</summary>
    public Uri Http => new(string.Create(CultureInfo.InvariantCulture, $"{(Tls ? "https" : "http")}://127.0.0.1:{Ports.Http}/"));

    /// <summary>The Orleans client gateway.</summary>
    public IPEndPoint Gateway => new(IPAddress.Loopback, Ports.Gateway);

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts node <paramref name="node"/> with <paramref name="settings"/> as <c>--Key=value</c> arguments, but for
    /// those that hold a secret (a connection string, a password or token): those go in <c>OREPL_</c> environment
    /// variables, which other users cannot read as they can a command line (<c>ps</c>).
    /// </summary>
    public static SiloProcess Start(SiloLauncher launcher, string node, string workDirectory, SiloPorts ports, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(launcher);
        var start = new ProcessStartInfo
        {
            FileName = launcher.FileName,
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in launcher.Prefix)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings)
        {
            if (HoldsASecret(key))
            {
                start.Environment["OREPL_" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
            }
            else
            {
                start.ArgumentList.Add($"--{key}={value}");
            }
        }

        var log = Path.Combine(workDirectory, $"{node}.log");
        File.AppendAllText(log, $"--- started {DateTimeOffset.UtcNow:O}\n");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"silo {node} did not start");
        return new SiloProcess(node, process, PumpAsync(process, log), ports, log, tls: !IsPlaintext(settings));
    }

    /// <summary>Whether <paramref name="settings"/> turn TLS off (<c>Tls:Plaintext=true</c>).</summary>
    public static bool IsPlaintext(IReadOnlyDictionary<string, string> settings) =>
        settings.TryGetValue("Tls:Plaintext", out var plaintext) && bool.TryParse(plaintext, out var off) && off;

    private static bool HoldsASecret(string key) =>
        key.EndsWith("ConnectionString", StringComparison.OrdinalIgnoreCase) || key.EndsWith("Password", StringComparison.OrdinalIgnoreCase) || key.EndsWith(":Token", StringComparison.OrdinalIgnoreCase);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; true when it stopped by itself with exit code 0.</summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return _process.ExitCode == 0;
        }

        await SignalAsync("TERM");
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode == 0;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            return false;
        }
    }

    /// <summary>Completes when the process has exited and its output is all in the log.</summary>
    public Task LogCompleteAsync() => _pump;

    /// <summary>Sends the process signal <paramref name="name"/> (<c>STOP</c> freezes it as a hung machine would, <c>CONT</c> lets it run again).</summary>
    public async Task SignalAsync(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} {_process.Id} (silo {Node}) exited with {kill.ExitCode}");
        }
    }

    /// <summary>SIGKILL at once, as a crash would.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await StopAsync(TimeSpan.FromSeconds(15));
        }

        await _pump;
        _process.Dispose();
    }

    private static async Task PumpAsync(Process process, string path)
    {
        await using var log = new StreamWriter(path, append: true) { AutoFlush = true };
        var gate = new SemaphoreSlim(1, 1);
        async Task CopyAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                await gate.WaitAsync();
                try
                {
                    await log.WriteLineAsync(line);
                }
                finally
                {
                    gate.Release();
                }
            }
        }

        await Task.WhenAll(CopyAsync(process.StandardOutput), CopyAsync(process.StandardError));
    }
}

/// <summary>A silo's ports: Orleans silo-to-silo, Orleans client gateway, HTTP (key-value API and dashboard), replication.</summary>
internal sealed record SiloPorts(int Silo, int Gateway, int Http, int Replication);
