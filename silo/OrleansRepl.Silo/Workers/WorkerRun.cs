namespace OrleansRepl.Silo.Workers;

/// <summary>A worker the supervisor started: its task, and the token that stops it.</summary>
internal abstract class WorkerRun(CancellationTokenSource stop, Task task)
{
    public Task Task { get; } = task;

    /// <summary>
    /// Stops the worker and waits for it to end (a follower saves its cursor on the way out). The stop always
    /// completes: a worker that ended by an exception hands it back for the caller to report, so one broken worker
    /// never stops the others from stopping, nor the silo from shutting down.
    /// </summary>
    public async Task<Exception?> StopAsync()
    {
        await stop.CancelAsync();
        try
        {
            await Task;
            return null;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
        finally
        {
            stop.Dispose();
        }
    }
}
