using System.Diagnostics;

namespace OrleansRepl.Cli.Storage;

/// <summary>A one-line progress bar on a terminal, redrawn at most ten times a second; silent when the writer is null.</summary>
internal sealed class LoadProgress(long total, TextWriter? terminal)
{
    private const int Width = 30;
    private long _lastDrawn;

    public void Report(long done)
    {
        if (terminal is null || (Stopwatch.GetTimestamp() - _lastDrawn < Stopwatch.Frequency / 10 && done < total))
        {
            return;
        }

        _lastDrawn = Stopwatch.GetTimestamp();
        var filled = (int)(Width * done / total);
        terminal.Write($"\r[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} ({100.0 * done / total:F1}%)");
    }

    public void Done() => terminal?.WriteLine();
}
