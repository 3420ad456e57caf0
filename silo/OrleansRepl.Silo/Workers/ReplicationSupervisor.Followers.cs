using System.Diagnostics;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Silo.Node;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Silo.Workers;

/// <summary>The supervisor's shard followers: one per shard another member leads, stopped when its spec changes.</summary>
public sealed partial class ReplicationSupervisor
{
    private async Task ReconcileFollowersAsync(CancellationToken cancellationToken)
    {
        var store = _node.Store!;
        var topology = _node.Topology;
        var member = topology?.Node(_node.NodeId) is not null && topology.ShardCount == store.ShardCount;
        for (var shard = 0; shard < store.ShardCount; shard++)
        {
            var leader = member ? topology!.Leaders[shard] : null;
            var wanted = leader is not null && leader != _node.NodeId && topology!.Node(leader) is not null
                && !_paused.Contains(shard) && !RecentlyFailed(shard);
            if (_followers.TryGetValue(shard, out var run) && (!wanted || run.Leader != leader || run.Epoch != topology!.Epoch || run.Task.IsCompleted))
            {
                await StopRunAsync(run, $"the follower of shard {shard}");
                _followers.Remove(shard);
                await OnFollowerStoppedAsync(shard, run);
            }

            if (wanted && !_followers.ContainsKey(shard))
            {
                await _node.DrainWritesAsync(shard, cancellationToken); // fenced already: the topology names another leader
                _followers[shard] = StartFollower(shard, leader!, topology!);
            }
        }

        Volatile.Write(ref _following, _followers.Keys.ToHashSet());
        _node.SetWritable(Enumerable.Range(0, store.ShardCount).Where(s => !_followers.ContainsKey(s)), topology);
        await ReportShardsAsync(store.ShardCount, topology);
    }

    private FollowerRun StartFollower(int shard, string leader, ReplicaSetTopology topology)
    {
        var endPoint = NodeEndPoint.Parse(topology.Node(leader)!.ReplicationAddress, $"replication address of {leader}");
        var epoch = topology.Epoch;
        var follower = new Follower(_node.Store!, shard, endPoint, _node.Credentials, _options.Streaming, new GrainCursorStore(_grains, _node.NodeId), () => epoch, _loggers.CreateLogger<Follower>())
        {
            ExpectedLeader = leader, // a node at a stale or reused address is not taken for the leader
        };
        var stop = new CancellationTokenSource();
        LogFollowing(_logger, _node.NodeId, shard, leader, endPoint.ToString()!, epoch);
        var run = Task.Run(() => follower.RunAsync(stop.Token), CancellationToken.None);
        _ = ReportCaughtUpAsync(follower, shard, leader, Stopwatch.GetTimestamp(), run);
        return new FollowerRun(follower, leader, epoch, stop, run);
    }

    /// <summary>Logs when the follower first reaches the leader's tail: log entries applied since it started (by LSN), and how long that took.</summary>
    private async Task ReportCaughtUpAsync(Follower follower, int shard, string leader, long started, Task run)
    {
        var store = _node.Store!;
        var from = store.NextLsn(shard);
        if (await Task.WhenAny(follower.CaughtUp, run) == follower.CaughtUp)
        {
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            LogCaughtUp(_logger, _node.NodeId, shard, leader, store.NextLsn(shard) - from, seconds);
        }
    }

    /// <summary>A follower that stopped by itself: a restore is asked for, a rejection is retried after a pause.</summary>
    private async Task OnFollowerStoppedAsync(int shard, FollowerRun run)
    {
        switch (run.Follower.State)
        {
            case FollowerState.NeedsRestore:
                _failedAt[shard] = DateTimeOffset.UtcNow; // if the restore fails, the next try waits as a rejection does
                LogNeedsRestore(_logger, _node.NodeId, shard, run.Leader, run.Follower.LastError ?? "");
                try
                {
                    await _grains.Bootstrap(_node.NodeId).StartAsync(run.Leader, $"shard {shard} needs a restore: {run.Follower.LastError}");
                }
                catch (InvalidOperationException)
                {
                    // a bootstrap is already requested; it covers this shard too
                }

                break;
            case FollowerState.Failed:
                _failedAt[shard] = DateTimeOffset.UtcNow;
                LogFollowerFailed(_logger, _node.NodeId, shard, run.Leader, run.Follower.LastError ?? "", _options.FailedRetrySeconds);
                break;
        }

        await _grains.Shard(_node.NodeId, shard).FlushAsync();
    }

    private bool RecentlyFailed(int shard) =>
        _failedAt.TryGetValue(shard, out var at) && DateTimeOffset.UtcNow - at < TimeSpan.FromSeconds(_options.FailedRetrySeconds);

    /// <summary>Tells every ShardGrain of this node how its shard stands, then reads each one's directive: paused or not.</summary>
    private async Task ReportShardsAsync(int shardCount, ReplicaSetTopology? topology)
    {
        for (var shard = 0; shard < shardCount; shard++)
        {
            var leader = topology is not null && shard < topology.Leaders.Count ? topology.Leaders[shard] : null;
            var health = _node.Store?.Health(shard);
            var report = health is { Failed: true }
                ? new ShardReport("Failed", leader, 0, 0, 0, $"{health.Cause}; writes are refused while the shard reopens from disk (attempt {health.ReopenAttempts + 1}{(health.LastReopenError is { } last ? $", last: {last}" : "")})")
                : _followers.TryGetValue(shard, out var run)
                ? new ShardReport(run.Follower.State.ToString(), leader, run.Follower.LagRecords, run.Follower.LagMilliseconds, run.SampleRate(), run.Follower.LastError)
                : new ShardReport(leader == _node.NodeId ? "Leading" : _paused.Contains(shard) ? "Paused" : "Idle", leader, 0, 0, 0, null);
            var grain = _grains.Shard(_node.NodeId, shard);
            await grain.ReportAsync(report);
            var paused = (await grain.GetStatusAsync()).Paused;
            if (paused ? _paused.Add(shard) : _paused.Remove(shard))
            {
                Wake(); // start or stop its follower now
            }
        }
    }
}
