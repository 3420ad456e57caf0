using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansRepl.Client.Cluster;

namespace OrleansRepl.Silo.Demo;

/// <summary>What a <see cref="FailoverProbe"/> saw: the writes acknowledged, the longest pause between two, how many did not read back, and the writes that failed.</summary>
internal sealed record FailoverProbeResult(int Acknowledged, TimeSpan LongestPause, int Lost, IReadOnlyList<string> Failures);

/// <summary>
/// A leader's silo SIGKILLed under sequential acks=1 writes (each key its own value): once <c>before</c> are
/// acknowledged the victim is killed, and the writes go on until <c>after</c> more are. Then every acknowledged write
/// is read back through the leaders. The demo and the failover benchmark both run it.
/// </summary>
internal static class FailoverProbe
{
    public static async Task<FailoverProbeResult> RunAsync(DemoCluster cluster, ClusterClient client, string victim, (int Before, int After, int MaxFailures) counts, Action? killed, CancellationToken cancellationToken)
    {
        var acknowledged = new List<(string Key, long At)>();
        var failures = new List<string>();
        int? killedAfter = null;
        for (var i = 0; killedAfter is null || acknowledged.Count - killedAfter < counts.After; i++)
        {
            if (killedAfter is null && acknowledged.Count == counts.Before)
            {
                await cluster.Silo(victim).KillAsync();
                killedAfter = acknowledged.Count;
                killed?.Invoke();
            }

            var key = string.Create(CultureInfo.InvariantCulture, $"failover-{victim}-{i}");
            try
            {
                await client.PutAsync(key, Encoding.UTF8.GetBytes(key), 1, cancellationToken: cancellationToken);
                acknowledged.Add((key, Stopwatch.GetTimestamp()));
            }
            catch (Exception e) when (e is LeaderUnreachableException or HttpRequestException or ReplicationTimeoutException && failures.Count < counts.MaxFailures)
            {
                failures.Add($"{key}: {e.Message}");
            }
        }

        var lost = 0;
        foreach (var (key, _) in acknowledged)
        {
            lost += await client.GetAsync(key, cancellationToken: cancellationToken) is null ? 1 : 0;
        }

        var pause = acknowledged.Zip(acknowledged.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a.At, b.At)).Max();
        return new FailoverProbeResult(acknowledged.Count, pause, lost, failures);
    }
}
