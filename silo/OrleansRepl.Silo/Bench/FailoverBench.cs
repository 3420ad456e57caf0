using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Silo.Demo;

namespace OrleansRepl.Silo.Bench;

/// <summary>
/// The measurements of <see cref="FailoverBenchCommand"/>, on nodes n1, n2, n3 (n1 is made the leader; the replica
/// set grain lives away from it):
/// <list type="number">
/// <item>single-key writes from concurrent writers for a phase each at acks 0, 1 and 2: writes/s, p50 and p99 latency;</item>
/// <item>a steady rate of batched writes: the followers' lag from the leader's commit to their acknowledgement (p50, p99);</item>
/// <item>n1 SIGKILLed under sequential acks=1 writes: the longest pause between two acknowledged writes, every
/// acknowledged write read back from the new leaders; then the same with a leader promoted on the grain's own silo,
/// which the grain leaves for a follower's before the kill.</item>
/// </list>
/// </summary>
internal sealed class FailoverBench(DemoCluster cluster, TextWriter output, TimeSpan phase, int writers, int rate, int leaseMilliseconds, IReadOnlyDictionary<string, string> settings)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(120);
    private static readonly byte[] Value = Encoding.UTF8.GetBytes(new string('v', 64));

    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        await using var client = await StartAsync(cancellationToken);
        var changed = settings.Count == 0 ? "as shipped" : "as shipped but " + string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"3 nodes on loopback ({changed}: TLS, SQLite state, fsync=always unless changed), 4 shards, n1 leads; lease {leaseMilliseconds} ms; {Environment.ProcessorCount} cores"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"acknowledged writes, {writers} writers of single 64-byte values, {phase.TotalSeconds:0} s each (after an unreported warm-up):"));
        await WritesAsync(client, 0, cancellationToken, report: false);
        foreach (var acks in (int[])[0, 1, 2])
        {
            await WritesAsync(client, acks, cancellationToken);
        }

        await SteadyAsync(client, cancellationToken);
        var first = await FailoverAsync(client, "n1", "a leader whose silo does not hold the replica set grain", cancellationToken);

        // Again, with the leader promoted on the grain's own silo: the grain moves to a follower's silo first, so that
        // the kill takes the leader alone.
        await cluster.StartAsync("n1", StepTimeout, cancellationToken);
        await client.WaitAsync(2, TimeSpan.FromSeconds(60), cancellationToken); // the host must hold every acknowledged write to be promoted
        var host = await client.ReplicaSetGrainHostAsync();
        await client.ReplicaSetGrain.PromoteAsync(host);
        var moved = Stopwatch.StartNew();
        string now;
        while ((now = await client.ReplicaSetGrainHostAsync()) == host)
        {
            if (moved.Elapsed > StepTimeout)
            {
                throw new TimeoutException($"the replica set grain stayed on {host}'s silo for {StepTimeout.TotalSeconds:0} s after {host} was promoted");
            }

            await Task.Delay(100, cancellationToken);
        }

        var second = await FailoverAsync(client, host, $"a leader promoted on the replica set grain's silo, which the grain left for {now}'s in {moved.Elapsed.TotalMilliseconds:F0} ms", cancellationToken);
        return first && second;
    }

    private async Task<ClusterClient> StartAsync(CancellationToken cancellationToken)
    {
        foreach (var node in (string[])["n2", "n1", "n3"])
        {
            await cluster.StartAsync(node, StepTimeout, cancellationToken);
        }

        var client = await cluster.ConnectAsync(cluster.Silo("n3").Gateway, cancellationToken: cancellationToken);
        foreach (var node in (string[])["n2", "n1", "n3"])
        {
            var status = await client.Grains.Node(node).GetStatusAsync();
            await client.ReplicaSetGrain.AddNodeAsync(node, status.ReplicationAddress, status.ShardCount);
        }

        await client.ReplicaSetGrain.SetLeaseAsync(leaseMilliseconds);
        await client.ReplicaSetGrain.PromoteAsync("n1");
        await client.PutAsync("warm-up", Value, cancellationToken); // waits out the handover of the leases
        return client;
    }

    private async Task WritesAsync(ClusterClient client, int acks, CancellationToken cancellationToken, bool report = true)
    {
        var latencies = new ConcurrentBag<double>();
        var deadline = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; deadline.Elapsed < phase; i++)
            {
                var key = string.Create(CultureInfo.InvariantCulture, $"acks{acks}-{w}-{i}");
                var started = Stopwatch.GetTimestamp();
                await (acks == 0 ? client.PutAsync(key, Value, cancellationToken) : client.PutAsync(key, Value, acks, cancellationToken: cancellationToken));
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, cancellationToken)));
        var sorted = latencies.Order().ToArray();
        if (!report)
        {
            return;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  acks={(acks == 0 ? "leader" : acks.ToString(CultureInfo.InvariantCulture)),-6} {sorted.Length / deadline.Elapsed.TotalSeconds,8:F0} writes/s   p50 {ReplicationLag.Percentile(sorted, 0.5),6:F2} ms   p99 {ReplicationLag.Percentile(sorted, 0.99),6:F2} ms"));
    }

    /// <summary>Batches of rate/100 records every 10 ms for the phase (at least the lag's 10 s window), then each follower's lag as n1 measured it.</summary>
    private async Task SteadyAsync(ClusterClient client, CancellationToken cancellationToken)
    {
        var length = phase > ReplicationLag.Window ? phase : ReplicationLag.Window;
        var perBatch = Math.Max(1, rate / 100);
        using var floor = HostFloorProbe.Start(cluster.WorkDirectory);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        for (var tick = 0L; clock.Elapsed < length; tick++)
        {
            var batch = Enumerable.Range(0, perBatch).Select(i => KeyValuePair.Create(string.Create(CultureInfo.InvariantCulture, $"steady-{tick}-{i}"), Value));
            sent += await client.LoadAsync(batch, batchBytes: 64 << 20, cancellationToken: cancellationToken);
            var due = TimeSpan.FromMilliseconds(10 * (tick + 1));
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken);
            }
        }

        var achieved = sent / clock.Elapsed.TotalSeconds;
        var (late, fsync) = floor.Stop();
        var lag = (await client.Grains.Node("n1").GetStatusAsync()).Lag ?? [];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"follower lag at a steady {achieved:F0} records/s (asked {rate}; {perBatch}-record batches every 10 ms), commit on n1 to the follower's ack, last 10 s:"));
        foreach (var follower in lag)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {follower.Node}: p50 {follower.P50Milliseconds:F2} ms   p99 {follower.P99Milliseconds:F2} ms   ({follower.Samples} commits; goal p99 <= 5 ms)"));
        }

        // The peers of that figure, from the same seconds: a lag sample holds a follower's fsync and four wake-ups
        // (the feeder's, the follower's read, its apply's, the leader's read of the ack).
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  the machine meanwhile: a 1 ms sleep woke late by p50 {late.P50:F2} ms, p99 {late.P99:F2} ms, at most {late.Max:F2} ms; a 4 KiB write's fsync beside the stores took p50 {fsync.P50:F2} ms, p99 {fsync.P99:F2} ms, at most {fsync.Max:F2} ms"));
    }

    /// <summary>Sequential acks=1 writes; <paramref name="victim"/> (the leader) is SIGKILLed once 1,000 are acknowledged; 1,000 more after it (<see cref="FailoverProbe"/>).</summary>
    private async Task<bool> FailoverAsync(ClusterClient client, string victim, string what, CancellationToken cancellationToken)
    {
        var probe = await FailoverProbe.RunAsync(cluster, client, victim, (1_000, 1_000, 100), killed: null, cancellationToken);
        var change = await client.ReplicaSetGrain.GetLastChangeAsync();
        var bound = TimeSpan.FromMilliseconds(leaseMilliseconds * 1.1) + TimeSpan.FromSeconds(2);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"failover of {what}: {victim} SIGKILLed under acks=1 writes"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  writes acknowledged again after {probe.LongestPause.TotalMilliseconds:F0} ms (goal: under the lease and 2 s, {bound.TotalMilliseconds:F0} ms); {probe.Acknowledged} acknowledged, lost {probe.Lost}, failed {probe.Failures.Count}"));
        output.WriteLine($"  {change?.Reason}: {string.Join(", ", change?.Moves.Select(m => $"shard {m.Shard} to {m.To}") ?? [])}");
        return probe.Lost == 0;
    }
}
