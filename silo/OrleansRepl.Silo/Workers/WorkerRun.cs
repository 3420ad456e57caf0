namespace OrleansRepl.Silo.Workers;

/// <summary>A worker the supervisor started: its task, and the token that stops it.</summary>
internal abstract class WorkerRun(CancellationTokenSource stop, Task task)
{
    public Task Task { get; } = task;

    /// <summary>Stops the worker and waits for it to end (a follower saves its cursor on the way out).</summary>
    public async Task StopAsync()
    {
        await stop.CancelAsync();
        try
        {
            await Task;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
    }
}
