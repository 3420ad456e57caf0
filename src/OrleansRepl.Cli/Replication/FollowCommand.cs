using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Cli.Storage;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Cli.Replication;

/// <summary><c>orepl follow</c>: follow every shard of a leader into a local store.</summary>
internal static class FollowCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "The follower's store.", Required = true };
        var leader = new Option<string>("--leader") { Description = "The leader's IP:PORT.", Required = true };
        var shards = new Option<int?>("--shards") { Description = "Shards of a new follower store; must match the leader's. By default the leader is asked." };
        var secretFile = ReplicationOptions.SecretFile();
        var transport = new TransportOptions();
        var cluster = ReplicationOptions.Cluster();
        var node = ReplicationOptions.Node("follower");
        var untilCaughtUp = new Option<bool>("--until-caught-up") { Description = "Exit 0 once every shard has caught up, printing records applied and records/s." };
        var restore = new Option<bool>("--restore") { Description = "When a shard has diverged beyond syncup, set the store aside and bootstrap it from the leader's snapshot." };
        var command = new Command("follow", "Follow a leader's shards into a local store.") { directory, leader, shards, secretFile, cluster, node, untilCaughtUp, restore };
        transport.AddTo(command);

        command.SetAction((parse, cancellationToken) => ReplicationOptions.RunAsync("follow", parse.InvocationConfiguration.Error, async () =>
        {
            var output = parse.InvocationConfiguration.Output;
            var leaderEndPoint = ReplicationOptions.EndPoint(parse.GetValue(leader)!, "--leader");
            var credentials = ReplicationOptions.Credentials(parse, cluster, node, secretFile, transport);
            var storeDirectory = Path.GetFullPath(parse.GetValue(directory)!);
            var shardCount = await ShardCountAsync(storeDirectory, parse.GetValue(shards), leaderEndPoint, credentials, cancellationToken);
            var restored = false;
            while (true)
            {
                var stopped = await FollowAsync(output, storeDirectory, shardCount, leaderEndPoint, credentials, parse.GetValue(untilCaughtUp), cancellationToken);
                if (stopped.Count == 0)
                {
                    return 0;
                }

                var diverged = stopped.Where(f => f.State == FollowerState.NeedsRestore).ToList();
                if (parse.GetValue(restore) && !restored && diverged.Count == stopped.Count)
                {
                    foreach (var follower in diverged)
                    {
                        await output.WriteLineAsync($"shard {follower.Shard} needs a restore: {follower.LastError}");
                    }

                    using var intents = FileBootstrapIntentLog.Open(Path.Combine(SnapshotPuller.WorkDirectory(storeDirectory), "intents.log"));
                    var puller = new SnapshotPuller(leaderEndPoint, credentials, new BootstrapOptions(), intents, NullLogger<SnapshotPuller>.Instance);
                    var (result, aside) = await ReplicaRestore.RestoreAsync(storeDirectory, new StoreOptions { Fsync = FsyncMode.Interval }, puller, null, cancellationToken);
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"the diverged store was set aside at {aside}; bootstrapped {result.Bytes} bytes from {result.Source} in {result.Elapsed.TotalSeconds:F2} s, root {result.StoreRoot} verified; following again"));
                    restored = true;
                    continue;
                }

                foreach (var follower in stopped)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"orepl follow: shard {follower.Shard} {follower.State}: {follower.LastError}{(follower.State == FollowerState.NeedsRestore && !parse.GetValue(restore) ? " (run with --restore to bootstrap from the leader)" : "")}");
                }

                return 1;
            }
        }));
        return command;
    }

    /// <summary>
    /// Follows every shard until stopped, until every shard caught up (with <paramref name="untilCaughtUp"/>),
    /// or until any shard stops for good (failed, or needs a restore): then all stop. Returns those that stopped for good.
    /// </summary>
    private static async Task<List<Follower>> FollowAsync(TextWriter output, string storeDirectory, int shardCount, IPEndPoint leader, NodeCredentials credentials, bool untilCaughtUp, CancellationToken cancellationToken)
    {
        await using var store = StoreAccess.Open(storeDirectory, shardCount, FsyncMode.Interval);
        var cursors = new FileCursorStore(Path.Combine(storeDirectory, "cursors"));
        var followers = Enumerable.Range(0, store.ShardCount).Select(shard =>
            new Follower(store, shard, leader, credentials, new StreamingOptions(), cursors, () => 1, NullLogger<Follower>.Instance)).ToList();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var runs = followers.Select(f => f.RunAsync(stop.Token)).ToList();
        var running = Task.WhenAll(runs);
        var progress = ReportProgressAsync(output, followers, running);

        // A follower's run ends only when it stops for good (or on shutdown), so the first to end decides.
        var anyStopped = Task.WhenAny(runs);
        if (untilCaughtUp)
        {
            await Task.WhenAny(Task.WhenAll(followers.Select(f => f.CaughtUp)), anyStopped);
        }
        else
        {
            await anyStopped;
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await stop.CancelAsync();
        await running;
        await progress;
        var stoppedForGood = followers.Where(f => f.State is FollowerState.Failed or FollowerState.NeedsRestore).ToList();
        if (untilCaughtUp && stoppedForGood.Count == 0 && followers.All(f => f.CaughtUp.IsCompletedSuccessfully))
        {
            var applied = followers.Sum(f => f.AppliedTotal);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"caught up: {applied} records applied in {seconds:F2} s: {applied / seconds:F0} records/s"));
        }

        return stoppedForGood;
    }

    /// <summary>Once a second until the followers stop: records applied in all, the rate since the last line, and the lag.</summary>
    private static async Task ReportProgressAsync(TextWriter output, IReadOnlyList<Follower> followers, Task running)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var last = followers.Sum(f => f.AppliedTotal);
        while (await Task.WhenAny(timer.WaitForNextTickAsync().AsTask(), running) != running)
        {
            var applied = followers.Sum(f => f.AppliedTotal);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"applied {applied} records ({applied - last} in the last second), lag {followers.Sum(f => f.LagRecords)} records, {followers.Count(f => f.State == FollowerState.Streaming)}/{followers.Count} shards streaming"));
            await output.FlushAsync();
            last = applied;
        }
    }

    /// <summary>
    /// An existing store keeps its shard count (and <c>--shards</c>, if given, must agree); a new one takes the
    /// leader's, asked before anything is created, so a mismatch is caught before any data exists.
    /// </summary>
    private static async Task<int> ShardCountAsync(string directory, int? requested, EndPoint leader, NodeCredentials credentials, CancellationToken cancellationToken)
    {
        if (LogStore.StoredShardCount(directory) is { } stored)
        {
            return requested is null || requested == stored
                ? stored
                : throw new ArgumentException($"--shards {requested} does not match the {stored} shards of the store in {directory}");
        }

        int leaders;
        try
        {
            leaders = (await LeaderConnection.ProbeAsync(leader, credentials, new StreamingOptions(), shard: 0, cancellationToken)).ShardCount;
        }
        catch (Exception e) when (requested is null && !cancellationToken.IsCancellationRequested && e is ProtocolException or SocketException or IOException or OperationCanceledException)
        {
            throw new InvalidOperationException($"cannot learn the shard count for the new store in {directory} from the leader at {leader}: {e.Message}; start the leader first, or pass --shards", e);
        }
        catch (Exception e) when (requested is not null && !cancellationToken.IsCancellationRequested && e is ProtocolException or SocketException or IOException or OperationCanceledException)
        {
            return requested.Value; // the leader is not up yet; every stream checks the count once it is
        }

        return requested is null || requested == leaders
            ? leaders
            : throw new ArgumentException($"--shards {requested} does not match the leader's {leaders} shards");
    }
}
