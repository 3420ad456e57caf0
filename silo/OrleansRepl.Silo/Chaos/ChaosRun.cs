using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using OrleansRepl.Grains.Keys;
using System.Text;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Silo.Demo;

namespace OrleansRepl.Silo.Chaos;

/// <summary>
/// A 3-node replica set under a steady write load, put through <c>cycles</c> crashes: each cycle SIGKILLs a random
/// follower at a random moment, in plain streaming, in the middle of a bootstrap (a restore of its store) or of an
/// anti-entropy pull, then restarts it and waits until it serves again. At the end the load stops and the run checks
/// that every acknowledged write reads back from the leader, that every node holds each shard's log at the leader's
/// LSNs with the leader's store root (nothing lost, nothing applied twice), and that no partial file is left.
/// </summary>
internal sealed class ChaosRun(DemoCluster cluster, TextWriter output, int cycles, int seed)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(120);
    private static readonly string[] Followers = ["c2", "c3"];
    private readonly Random _random = new(seed);
    private readonly ConcurrentDictionary<string, string> _acknowledged = new(StringComparer.Ordinal);
    private long _issued;
    private ClusterClient _client = null!;

    public async Task<ChaosReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (var node in (string[])["c1", .. Followers])
        {
            await cluster.StartAsync(node, StepTimeout, cancellationToken);
        }

        await using var client = await cluster.ConnectAsync(cluster.Silos[0].Gateway, cancellationToken: cancellationToken);
        _client = client;
        foreach (var node in (string[])["c1", .. Followers])
        {
            await WaitAsync($"{node}'s store to open", async () => (await client.Grains.Node(node).GetStatusAsync()).ShardCount > 0, cancellationToken);
            await client.ReplicaSetGrain.AddNodeAsync(node, await client.ReplicationAddressOfAsync(node, cancellationToken), (await client.Grains.Node(node).GetStatusAsync()).ShardCount);
        }

        Say($"3 silos up (c1 leads); {cycles} cycles, seed {seed}");
        using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() => WriteAsync(w, stopLoad.Token), CancellationToken.None)).ToList();
        var (followerKills, bootstrapKills, antiEntropyKills) = (0, 0, 0);
        for (var cycle = 1; cycle <= cycles; cycle++)
        {
            var victim = Followers[_random.Next(Followers.Length)];
            var kind = _random.Next(3);
            switch (kind)
            {
                case 1:
                    try
                    {
                        await client.Grains.Bootstrap(victim).StartAsync("c1", $"chaos cycle {cycle}: restore, killed midway");
                        bootstrapKills++;
                    }
                    catch (Exception e) when (e is InvalidOperationException or OrleansException or TimeoutException)
                    {
                        Say($"cycle {cycle}: no new bootstrap of {victim} ({e.Message}); a plain kill");
                        followerKills++; // a bootstrap of it already runs (resumed after the last kill): kill that one
                    }

                    break;
                case 2:
                    try
                    {
                        await client.Grains.Peer(victim, "c1").SyncNowAsync();
                        antiEntropyKills++;
                    }
                    catch (Exception e) when (e is InvalidOperationException or OrleansException or TimeoutException)
                    {
                        Say($"cycle {cycle}: no anti-entropy pull of {victim} to kill ({e.Message}); a plain kill");
                        followerKills++; // its loop for c1 has not started since the last restart
                    }

                    break;
                default:
                    followerKills++;
                    break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(0, 1500)), cancellationToken); // a random moment
            await cluster.Silo(victim).KillAsync();
            await WaitAsync($"{victim} to be declared dead", async () => !(await client.LiveNodesAsync()).Contains(victim), cancellationToken);
            await cluster.StartAsync(victim, StepTimeout, cancellationToken);
            await WaitAsync($"{victim} to serve again", async () => (await client.Grains.Node(victim).GetStatusAsync()).State == "serving", cancellationToken);
            Say(string.Create(CultureInfo.InvariantCulture, $"cycle {cycle}: killed {victim} {(kind == 1 ? "mid-bootstrap" : kind == 2 ? "mid-anti-entropy" : "while following")}; serving again; {_acknowledged.Count} writes acknowledged so far"));
        }

        await stopLoad.CancelAsync();
        await Task.WhenAll(writers);
        Say($"load stopped: {_acknowledged.Count} writes acknowledged of {Interlocked.Read(ref _issued)} issued; checking");
        var (lost, duplicated, partial) = await CheckAsync(cancellationToken);
        return new ChaosReport(cycles, followerKills, bootstrapKills, antiEntropyKills, _acknowledged.Count, lost, duplicated, partial, clock.Elapsed);
    }

    /// <summary>One writer: unique keys, one at a time; a write counts once its leader answered 204.</summary>
    private async Task WriteAsync(int writer, CancellationToken stop)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"chaos-{writer}-{i}");
            var value = string.Create(CultureInfo.InvariantCulture, $"{key} written by writer {writer}");
            Interlocked.Increment(ref _issued);
            try
            {
                await _client.PutAsync(key, Encoding.UTF8.GetBytes(value), stop);
                _acknowledged[key] = value;
            }
            catch (Exception e) when (e is HttpRequestException or NotLeaderException or TaskCanceledException or OperationCanceledException)
            {
                // Not acknowledged: the check does not count it, whatever became of it.
            }
        }
    }

    private async Task<(long Lost, long Duplicated, int Partial)> CheckAsync(CancellationToken cancellationToken)
    {
        await WaitAsync("every follower to match the leader's store root", async () =>
        {
            var leader = await _client.Grains.Node("c1").GetStatusAsync();
            foreach (var follower in Followers)
            {
                if ((await _client.Grains.Node(follower).GetStatusAsync()).StoreRoot != leader.StoreRoot)
                {
                    return false;
                }
            }

            return true;
        }, cancellationToken);

        var lost = 0L;
        await Parallel.ForEachAsync(_acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (write, token) =>
        {
            if (await _client.GetAsync(write.Key, cancellationToken: token) is not { } stored || Encoding.UTF8.GetString(stored) != write.Value)
            {
                if (Interlocked.Increment(ref lost) <= 5)
                {
                    Say($"LOST: {write.Key}");
                }
            }
        });

        // Every node holds each shard's log to exactly the leader's LSN, with the leader's store root: a batch applied
        // twice, or skipped, would leave a follower's log longer or shorter than the leader's.
        var leaderShards = (await _client.Grains.Node("c1").GetStatusAsync()).Shards;
        var duplicated = 0L;
        foreach (var follower in Followers)
        {
            var shards = (await _client.Grains.Node(follower).GetStatusAsync()).Shards;
            duplicated += shards.Zip(leaderShards).Sum(p => Math.Abs(p.First.NextLsn - p.Second.NextLsn));
        }

        var partial = Directory.EnumerateFileSystemEntries(cluster.WorkDirectory, "*", SearchOption.AllDirectories)
            .Count(p => p.EndsWith(".partial", StringComparison.Ordinal) || p.EndsWith(".tmp", StringComparison.Ordinal) || p.EndsWith(".restore", StringComparison.Ordinal));
        return (lost, duplicated, partial);
    }

    private static async Task WaitAsync(string what, Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException || ClusterClient.IsUnreachable(e))
            {
                // a node restarting: ask again
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what} after {StepTimeout.TotalSeconds} s");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private void Say(string line) => output.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
}
