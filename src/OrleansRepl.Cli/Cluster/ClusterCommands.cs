using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Cli.Cluster;

/// <summary>The cluster commands: status, topology changes, bootstrap (through the Orleans client), and the key-value API (through each key's leader).</summary>
internal static class ClusterCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Status();
        yield return AddNode();
        yield return RemoveNode();
        yield return Promote();
        yield return Bootstrap();
        yield return Put();
        yield return Get();
        yield return Delete();
        yield return Wait();
        yield return Configure();
        yield return Load();
        yield return Shard();
        yield return Peer();
    }

    private static Command Status()
    {
        var json = new Option<bool>("--json") { Description = "Print the status as JSON, for scripts." };
        return Build("status", "Nodes, shards (leader, LSN, lag, state), bootstraps and peers of the replica set.", [json], async (parse, cluster, output, cancellationToken) =>
        {
            var status = await cluster.GetStatusAsync(cancellationToken);
            await output.WriteAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(status, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }) + "\n"
                : ClusterStatusTable.Render(status));
            return 0;
        });
    }

    private static Command AddNode()
    {
        var node = NodeOption("The node to add; its silo must be running.");
        var address = new Option<string?>("--address") { Description = "Its replication host:port (default: what its silo registered)." };
        var shards = new Option<int?>("--shards") { Description = "Its shard count, for a node without a silo (an `orepl feed`); needs --address." };
        return Build("add-node", "Add a node to the replica set: the first leads every shard, later ones follow.", [node, address, shards], async (parse, cluster, output, cancellationToken) =>
        {
            var id = parse.GetValue(node)!;
            if (parse.GetValue(shards) is { } given && (given < 1 || parse.GetValue(address) is null))
            {
                throw new ArgumentException(given < 1 ? $"--shards must be at least 1, got {given}" : "--shards is for a node without a silo, whose --address must be given");
            }

            var replication = parse.GetValue(address) ?? await cluster.ReplicationAddressOfAsync(id, cancellationToken);
            var shardCount = parse.GetValue(shards) ?? (await cluster.Grains.Node(id).GetStatusAsync()) switch
            {
                { ShardCount: > 0 } serving => serving.ShardCount,
                var closed => throw new InvalidOperationException($"node {id} has no open store ({closed.State}); try again when it is serving"),
            };
            var topology = await cluster.ReplicaSetGrain.AddNodeAsync(id, replication, shardCount);
            await output.WriteLineAsync($"added {id} ({replication}) to replica set {topology.ReplicaSet}: epoch {topology.Epoch}, {topology.Nodes.Count} nodes, {(topology.ShardsLedBy(id).Count > 0 ? "it leads every shard" : $"it follows {string.Join(',', topology.Leaders.Distinct())}")}");
            return 0;
        });
    }

    private static Command RemoveNode()
    {
        var node = NodeOption("The node to remove; it must lead no shard.");
        return Build("remove-node", "Remove a node from the replica set.", [node], async (parse, cluster, output, cancellationToken) =>
        {
            var topology = await cluster.ReplicaSetGrain.RemoveNodeAsync(parse.GetValue(node)!);
            await output.WriteLineAsync($"removed {parse.GetValue(node)}: {topology.Nodes.Count} nodes remain, epoch {topology.Epoch}");
            return 0;
        });
    }

    private static Command Promote()
    {
        var node = NodeOption("The member to make the leader.");
        var shards = new Option<string?>("--shards") { Description = "The shards to move, as 0,2,5 (default: every shard)." };
        var force = new Option<bool>("--force") { Description = "Promote even if the node lacks writes that were acknowledged with acks of one or more: they are lost." };
        return Build("promote", "Make a node the leader of every shard (or --shards) under a new epoch; the old leader re-syncs as a follower. Refused while it would lose acknowledged writes, unless --force.", [node, shards, force], async (parse, cluster, output, cancellationToken) =>
        {
            int[]? which = parse.GetValue(shards) is { } list ? ParseShards(list) : null;
            var topology = await cluster.ReplicaSetGrain.PromoteAsync(parse.GetValue(node)!, which, parse.GetValue(force));
            await output.WriteLineAsync($"{parse.GetValue(node)} leads {(which is null ? "every shard" : $"shards {string.Join(',', which)}")} of {topology.ReplicaSet} at epoch {topology.Epoch}");
            return 0;
        });
    }

    /// <summary>Shard numbers as <c>0,2,5</c>.</summary>
    private static int[] ParseShards(string list) =>
        [.. list.Split(',', StringSplitOptions.TrimEntries).Select(part => int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var shard)
            ? shard
            : throw new ArgumentException($"--shards takes shard numbers separated by commas, as 0,2,5; \"{part}\" is not one"))];

    private static Command Bootstrap()
    {
        var node = NodeOption("The node to bootstrap; its silo must be running.");
        var from = new Option<string>("--from") { Description = "The member to take the snapshot from.", Required = true };
        var noWait = new Option<bool>("--no-wait") { Description = "Request it and return; follow it with orepl status." };
        return Build("bootstrap", "Replace a node's store with a snapshot of another member (a store with data is set aside, never deleted).", [node, from, noWait], async (parse, cluster, output, cancellationToken) =>
        {
            var grain = cluster.Grains.Bootstrap(parse.GetValue(node)!);
            await grain.StartAsync(parse.GetValue(from)!, "requested by the operator");
            await output.WriteLineAsync($"bootstrap of {parse.GetValue(node)} from {parse.GetValue(from)} requested");
            if (parse.GetValue(noWait))
            {
                return 0;
            }

            var final = await BootstrapProgress.WatchAsync(grain, output, cancellationToken);
            await output.WriteLineAsync(final.State == "complete" ? $"bootstrapped {final.Node}: {final.Summary}" : $"bootstrap of {final.Node} {final.State}: {final.Error}");
            return final.State == "complete" ? 0 : 1;
        });
    }

    private static Command Put()
    {
        var key = new Argument<string>("key");
        var value = new Argument<string>("value");
        var (acks, timeout) = (AckOptions.Acks(), AckOptions.Timeout());
        return Build("put", "Write a key through its shard's leader (with --acks N, once N followers hold it too).", [key, value, acks, timeout], async (parse, cluster, output, cancellationToken) =>
        {
            var bytes = Encoding.UTF8.GetBytes(parse.GetValue(key)!);
            await (parse.GetValue(acks) is var n and > 0
                ? cluster.PutAsync(bytes, Encoding.UTF8.GetBytes(parse.GetValue(value)!), n, AckOptions.TimeoutOf(parse, timeout), cancellationToken)
                : cluster.PutAsync(bytes, Encoding.UTF8.GetBytes(parse.GetValue(value)!), cancellationToken));
            return 0;
        });
    }

    private static Command Get()
    {
        var key = new Argument<string>("key");
        var node = new Option<string?>("--node") { Description = "Read this node's own copy instead of the leader's." };
        return Build("get", "Read a key from its shard's leader (or from --node's copy); exit 1 when absent.", [key, node], async (parse, cluster, output, cancellationToken) =>
        {
            var value = await cluster.GetAsync(parse.GetValue(key)!, parse.GetValue(node), cancellationToken);
            if (value is null)
            {
                await output.WriteLineAsync($"{parse.GetValue(key)}: not found");
                return 1;
            }

            await output.WriteLineAsync(Encoding.UTF8.GetString(value));
            return 0;
        });
    }

    private static Command Delete()
    {
        var key = new Argument<string>("key");
        var (acks, timeout) = (AckOptions.Acks(), AckOptions.Timeout());
        return Build("delete", "Delete a key through its shard's leader (with --acks N, once N followers hold the deletion too).", [key, acks, timeout], async (parse, cluster, output, cancellationToken) =>
        {
            var bytes = Encoding.UTF8.GetBytes(parse.GetValue(key)!);
            await (parse.GetValue(acks) is var n and > 0
                ? cluster.DeleteAsync(bytes, n, AckOptions.TimeoutOf(parse, timeout), cancellationToken)
                : cluster.DeleteAsync(bytes, cancellationToken));
            return 0;
        });
    }

    private static Command Configure()
    {
        var acks = new Option<int?>("--default-acks") { Description = "Followers a write must reach before it is acknowledged when it does not say (0: the leader's disk only)." };
        var lease = new Option<double?>("--lease-seconds") { Description = $"How long a leader's lease lasts: the longest a leader cut off from the control plane keeps taking writes, and the least a failover waits ({LeaseLength.MinMilliseconds / 1000.0}..{LeaseLength.MaxMilliseconds / 1000} s; default {LeaseLength.DefaultMilliseconds / 1000} s)." };
        return Build("configure", "Set the replica set's defaults: --default-acks N, --lease-seconds S.", [acks, lease], async (parse, cluster, output, cancellationToken) =>
        {
            if (parse.GetValue(acks) is null && parse.GetValue(lease) is null)
            {
                throw new ArgumentException("give --default-acks N, --lease-seconds S, or both");
            }

            if (parse.GetValue(acks) is { } n)
            {
                var topology = await cluster.ReplicaSetGrain.SetDefaultAcksAsync(n);
                await output.WriteLineAsync($"replica set {topology.ReplicaSet}: writes are acknowledged once {topology.DefaultAcks} followers hold them, unless a write says otherwise");
            }

            if (parse.GetValue(lease) is { } seconds)
            {
                var topology = await cluster.ReplicaSetGrain.SetLeaseAsync((int)Math.Round(seconds * 1000));
                await output.WriteLineAsync($"replica set {topology.ReplicaSet}: a leader's lease lasts {topology.LeaseMilliseconds} ms; a leader that cannot renew it stops taking writes within that, and a failover waits for it");
            }

            return 0;
        });
    }

    private static Command Wait()
    {
        var replicas = new Option<int>("--replicas") { Description = "Followers that must hold what each leader has written.", Required = true };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait at most.", DefaultValueFactory = _ => 5 };
        return Build("wait", "Wait until N followers hold everything the leaders have written so far; exit 1 if they do not within the timeout.", [replicas, timeout], async (parse, cluster, output, cancellationToken) =>
        {
            var (asked, seconds) = (parse.GetValue(replicas), parse.GetValue(timeout));
            if (asked < 1 || seconds <= 0)
            {
                throw new ArgumentException(asked < 1 ? $"--replicas must be at least 1, got {asked}" : $"--timeout must be positive, got {seconds}");
            }

            var reports = await cluster.WaitAsync(asked, TimeSpan.FromSeconds(seconds), cancellationToken);
            foreach (var report in reports.OrderBy(r => r.Node, StringComparer.Ordinal))
            {
                var shards = string.Join(", ", report.Shards.Select(s => string.Create(CultureInfo.InvariantCulture, $"shard {s.Shard} through LSN {s.Lsn}: {s.Replicas}")));
                await output.WriteLineAsync($"{report.Node} (epoch {report.Epoch}): {report.Replicas} of {asked} followers hold all it wrote ({shards})");
            }

            return reports.All(r => r.Replicas >= asked) ? 0 : 1;
        });
    }

    private static Command Load()
    {
        var count = new Option<long>("--count") { Description = "Records to write.", Required = true };
        var valueBytes = new Option<int>("--value-bytes") { Description = "Bytes per value.", DefaultValueFactory = _ => 100 };
        var prefix = new Option<string>("--prefix") { Description = "Keys are {prefix}{n}.", DefaultValueFactory = _ => "load-" };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<long>() < 1)
            {
                r.AddError($"--count must be at least 1, got {r.GetValueOrDefault<long>()}");
            }
        });
        valueBytes.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1 << 20)
            {
                r.AddError($"--value-bytes must be 1..1048576, got {r.GetValueOrDefault<int>()}");
            }
        });
        var (acks, timeout) = (AckOptions.Acks(), AckOptions.Timeout());
        return Build("load", "Bulk-load generated records through the leaders' gateways, printing progress and records/s; with --acks N, each batch once N followers hold it.", [count, valueBytes, prefix, acks, timeout], async (parse, cluster, output, cancellationToken) =>
        {
            var total = parse.GetValue(count);
            var started = Stopwatch.GetTimestamp();
            var lastLine = started;
            var progress = new Progress<long>(written =>
            {
                if (Stopwatch.GetElapsedTime(lastLine) >= TimeSpan.FromSeconds(1))
                {
                    lastLine = Stopwatch.GetTimestamp();
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loaded {written} of {total} records"));
                }
            });
            var written = await cluster.LoadAsync(LoadRecords.Generate(parse.GetValue(prefix)!, total, parse.GetValue(valueBytes)), progress: progress,
                acks: parse.GetValue(acks), acksTimeout: AckOptions.TimeoutOf(parse, timeout), cancellationToken: cancellationToken);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"loaded {written} records in {seconds:F2} s: {written / seconds:F0} records/s"));
            return 0;
        });
    }

    private static Command Shard()
    {
        Command Toggle(string name, bool pause)
        {
            var node = NodeOption("The node whose follower to change.");
            var shard = new Option<int?>("--shard") { Description = "One shard (default: every shard of the node)." };
            return Build(name, pause ? "Stop following a shard (or all): its ShardGrain says paused, durably." : "Follow a paused shard (or all) again.", [node, shard], async (parse, cluster, output, cancellationToken) =>
            {
                var id = parse.GetValue(node)!;
                var count = (await cluster.GetTopologyAsync(cancellationToken)).ShardCount;
                var shards = parse.GetValue(shard) is { } one
                    ? one >= 0 && one < count ? [one] : throw new ArgumentException($"--shard {one} is not a shard of {cluster.ReplicaSet} (0..{count - 1})")
                    : Enumerable.Range(0, count).ToArray();
                foreach (var s in shards)
                {
                    var grain = cluster.Grains.Shard(id, s);
                    await (pause ? grain.PauseAsync() : grain.ResumeAsync());
                }

                await output.WriteLineAsync($"{(pause ? "paused" : "resumed")} {id} shard{(shards.Length == 1 ? "" : "s")} {string.Join(',', shards)}");
                return 0;
            });
        }

        return new Command("shard", "Pause or resume a node's shard followers.") { Toggle("pause", pause: true), Toggle("resume", pause: false) };
    }

    private static Command Peer()
    {
        var syncNode = NodeOption("The node that pulls.");
        var syncPeer = new Option<string>("--peer") { Description = "The peer it pulls from.", Required = true };
        var sync = Build("sync", "Start an anti-entropy cycle now (orepl status shows the peer's cursor).", [syncNode, syncPeer], async (parse, cluster, output, cancellationToken) =>
        {
            var grain = cluster.Grains.Peer(parse.GetValue(syncNode)!, parse.GetValue(syncPeer)!);
            await grain.SyncNowAsync();
            await output.WriteLineAsync($"anti-entropy of {parse.GetValue(syncNode)} from {parse.GetValue(syncPeer)} started; orepl status shows its cursor");
            return 0;
        });
        var node = NodeOption("The node that pulls.");
        var peer = new Option<string>("--peer") { Description = "The peer it pulls from.", Required = true };
        var address = new Option<string?>("--address") { Description = "The peer's replication host:port (default: the topology's)." };
        var interval = new Option<double>("--interval") { Description = "Seconds between cycles.", DefaultValueFactory = _ => 30 };
        var configure = Build("configure", "Set how often (and where) a node pulls anti-entropy from a peer.", [node, peer, address, interval], async (parse, cluster, output, cancellationToken) =>
        {
            var id = parse.GetValue(peer)!;
            var where = parse.GetValue(address) ?? (await cluster.GetTopologyAsync(cancellationToken)).Node(id)?.ReplicationAddress
                ?? throw new ArgumentException($"{id} is not a member of {cluster.ReplicaSet}; pass --address");
            await cluster.Grains.Peer(parse.GetValue(node)!, id).ConfigureAsync(where, parse.GetValue(interval));
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{parse.GetValue(node)} pulls from {id} at {where} every {parse.GetValue(interval)} s"));
            return 0;
        });
        return new Command("peer", "Anti-entropy between a node and a peer.") { sync, configure };
    }

    private static Option<string> NodeOption(string description) => new("--node") { Description = description, Required = true };

    private static Command Build(string name, string description, IEnumerable<Symbol> symbols, Func<ParseResult, ClusterClient, TextWriter, CancellationToken, Task<int>> body)
    {
        var options = new ClusterOptions();
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Option option:
                    command.Options.Add(option);
                    break;
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
            }
        }

        options.AddTo(command);
        command.SetAction((parse, cancellationToken) => ClusterOptions.RunAsync(name, parse.InvocationConfiguration.Error, async () =>
        {
            await using var cluster = await options.ConnectAsync(parse, cancellationToken);
            return await body(parse, cluster, parse.InvocationConfiguration.Output, cancellationToken);
        }));
        return command;
    }
}
