using OrleansRepl.Core.Protocol;
using OrleansRepl.Silo.Workers;

namespace OrleansRepl.Silo.Tests.Workers;

/// <summary>Stopping a worker always completes: a worker that ended by an exception hands it back instead of throwing it into the silo's shutdown.</summary>
public sealed class WorkerRunTests
{
    [Fact]
    public async Task AWorkerThatFailed_IsStopped_AndItsExceptionHandedBack()
    {
        using var stop = new CancellationTokenSource();
        var failed = Task.FromException(new ConnectionClosedException("while waiting for a frame"));
        var error = await new TestRun(stop, failed).StopAsync();
        Assert.IsType<ConnectionClosedException>(error);
        Assert.True(stop.IsCancellationRequested);
    }

    [Fact]
    public async Task AWorkerThatEndsOnItsStop_IsStopped_WithNothingToReport()
    {
        using var stop = new CancellationTokenSource();
        var running = Task.Delay(Timeout.Infinite, stop.Token); // ends by cancellation once stopped
        Assert.Null(await new TestRun(stop, running).StopAsync());
        Assert.True(running.IsCanceled);
    }

    private sealed class TestRun(CancellationTokenSource stop, Task task) : WorkerRun(stop, task);
}
