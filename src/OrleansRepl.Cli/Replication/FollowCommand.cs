using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Cli.Storage;
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
        var shards = new Option<int>("--shards") { Description = "Shards of a new follower store; must match the leader's.", DefaultValueFactory = _ => 4 };
        var secretFile = ReplicationOptions.SecretFile();
        var cluster = ReplicationOptions.Cluster();
        var node = ReplicationOptions.Node("follower");
        var untilCaughtUp = new Option<bool>("--until-caught-up") { Description = "Exit 0 once every shard has caught up, printing records applied and records/s." };
        var command = new Command("follow", "Follow a leader's shards into a local store.") { directory, leader, shards, secretFile, cluster, node, untilCaughtUp };

        command.SetAction((parse, cancellationToken) => ReplicationOptions.RunAsync("follow", parse.InvocationConfiguration.Error, async () =>
        {
            var output = parse.InvocationConfiguration.Output;
            var leaderEndPoint = ReplicationOptions.EndPoint(parse.GetValue(leader)!, "--leader");
            var credentials = ReplicationOptions.Credentials(parse, cluster, node, secretFile);
            var storeDirectory = parse.GetValue(directory)!;
            await using var store = StoreAccess.Open(storeDirectory, parse.GetValue(shards), FsyncMode.Interval);
            var cursors = new FileCursorStore(Path.Combine(storeDirectory, "cursors"));
            var followers = Enumerable.Range(0, store.ShardCount).Select(shard =>
                new Follower(store, shard, leaderEndPoint, credentials, new StreamingOptions(), cursors, () => 1, NullLogger<Follower>.Instance)).ToList();

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var started = Stopwatch.GetTimestamp();
            var running = Task.WhenAll(followers.Select(f => f.RunAsync(stop.Token)));
            if (parse.GetValue(untilCaughtUp))
            {
                // Done when every shard caught up, or when any follower stopped for good.
                await Task.WhenAny(Task.WhenAll(followers.Select(f => f.CaughtUp)), running);
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                await stop.CancelAsync();
                await running;
                if (followers.All(f => f.CaughtUp.IsCompletedSuccessfully))
                {
                    var applied = followers.Sum(f => f.AppliedTotal);
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"caught up: {applied} records applied in {seconds:F2} s: {applied / seconds:F0} records/s"));
                    return 0;
                }
            }
            else
            {
                await running;
            }

            foreach (var follower in followers.Where(f => f.State is FollowerState.Failed or FollowerState.NeedsRestore))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"orepl follow: shard {follower.Shard} {follower.State}: {follower.LastError}");
            }

            return followers.Any(f => f.State is FollowerState.Failed or FollowerState.NeedsRestore) ? 1 : 0;
        }));
        return command;
    }
}
