using System.Net.Sockets;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Replication.Streaming;

/// <summary>The feeder's accept loop: failures (out of descriptors) are reported and waited out, never the end of accepting.</summary>
public sealed class AcceptLoopTests
{
    [Fact]
    public async Task FailedAccepts_AreReportedWithADoublingPause_AndTheNextConnectionIsStillTaken()
    {
        using var pair = await LoopbackPair.ConnectAsync();
        var failures = 0;
        var pauses = new List<TimeSpan>();
        var taken = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        async ValueTask<Socket> AcceptAsync(CancellationToken cancellationToken)
        {
            if (++failures <= 7)
            {
                throw new SocketException((int)SocketError.TooManyOpenSockets);
            }

            if (failures == 8)
            {
                return pair.Server;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }

        var loop = AcceptLoop.RunAsync(AcceptAsync, taken.SetResult, (e, pause) =>
        {
            Assert.Equal(SocketError.TooManyOpenSockets, e.SocketErrorCode);
            pauses.Add(pause);
        }, stop.Token);

        Assert.Same(pair.Server, await taken.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([50, 100, 200, 400, 800, 1600, 2000], pauses.Select(p => p.TotalMilliseconds));
        Assert.False(loop.IsCompleted);
        await stop.CancelAsync();
        await loop.WaitAsync(TimeSpan.FromSeconds(10)); // a stop ends it, quietly
    }

    [Fact]
    public void TheDescriptorBudget_KeepsItsReserve_AndLeavesAtLeastOneConnection()
    {
        Assert.Equal(64, DescriptorBudget.Reserve(200));
        Assert.Equal(128, DescriptorBudget.Reserve(1024));
        Assert.Equal(200 - 110 - 64, DescriptorBudget.Connections(200, 110));
        Assert.Equal(1024 - 300 - 128, DescriptorBudget.Connections(1024, 300));
        Assert.Equal(1, DescriptorBudget.Connections(100, 90));
        Assert.True(DescriptorBudget.Read() is var (limit, open) && limit > 0 && open > 2, "this process's limit and open descriptors are readable on Linux");
    }
}
