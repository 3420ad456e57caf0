using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansRepl.Client.Cluster;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// One write after another through the cluster client, each waiting for <c>acks</c> followers, keyed <c>w-0</c>,
/// <c>w-1</c>, …: which were acknowledged and when, and every error a write ended with, until stopped.
/// </summary>
internal sealed class AcknowledgedWriter : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writing;

    public AcknowledgedWriter(ClusterClient client, int acks) => _writing = Task.Run(async () =>
    {
        for (var i = 0; !_stop.IsCancellationRequested; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"w-{i}");
            try
            {
                await client.PutAsync(key, Encoding.UTF8.GetBytes(key), acks: acks, cancellationToken: CancellationToken.None);
                Acknowledged.Enqueue((key, Stopwatch.GetTimestamp()));
            }
            catch (Exception e)
            {
                Failures.Enqueue((key, e));
            }
        }
    });

    public ConcurrentQueue<(string Key, long At)> Acknowledged { get; } = new();

    public ConcurrentQueue<(string Key, Exception Error)> Failures { get; } = new();

    /// <summary>Waits until <paramref name="more"/> writes beyond those acknowledged so far are acknowledged.</summary>
    public Task AcknowledgedAsync(int more, string why)
    {
        var target = Acknowledged.Count + more;
        return TestCluster.WaitAsync($"{more} more acknowledged writes {why}", () => Task.FromResult(Acknowledged.Count >= target));
    }

    /// <summary>The longest time between two writes acknowledged one after the other.</summary>
    public TimeSpan LongestGap()
    {
        var times = Acknowledged.Select(a => a.At).ToArray();
        return times.Zip(times.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b)).DefaultIfEmpty().Max();
    }

    /// <summary>Ends the writes once the one under way has ended.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _writing;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
