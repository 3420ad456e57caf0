using System.Diagnostics;

namespace OrleansRepl.Silo.Node;

/// <summary>
/// Stops the silo when the process that launched it is gone (setting <c>ParentProcessId</c>): a demo killed
/// outright leaves no silo behind. Checked once a second.
/// </summary>
public sealed partial class ParentProcessWatch(IConfiguration configuration, IHostApplicationLifetime host, ILogger<ParentProcessWatch> logger) : BackgroundService
{
    public const string Key = "ParentProcessId";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (configuration.GetValue<int?>(Key) is not { } parent)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (!IsAlive(parent))
                {
                    LogParentGone(logger, parent);
                    host.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the silo is stopping anyway
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Warning, Message = "the launching process {Pid} is gone; this silo stops")]
    private static partial void LogParentGone(ILogger logger, int pid);
}
