using System.Diagnostics;
using System.Globalization;
using System.Text;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Silo.Demo;

/// <summary>
/// The demo's tour, each step waiting (bounded) for what it shows:
/// 1. three silos, n1 leading; 2. a load on the leader and the followers catching up; 3. a fourth node
/// bootstrapped by snapshot; 4. a follower whose stream is paused falls behind and is repaired by anti-entropy;
/// 5. a promotion, with the old leader rejoining through syncup and rolling back a tail it never replicated;
/// 6. a failover: the leader's silo killed under acks=1 writes, which go on, none lost; 7. the status.
/// </summary>
internal sealed class DemoScript(DemoCluster cluster, TextWriter output, int records)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(90);
    private ClusterClient _client = null!;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Step(1, "three Orleans silos on loopback; membership and grain state in SQLite");
        Say(cluster.CaFile is { } ca
            ? $"TLS is on: replication, silo-to-silo, client-to-gateway and HTTPS, each node's certificate from a throwaway CA ({ca}), checked both ways"
            : "TLS is OFF (--plaintext): every transport is readable and injectable by anyone on the path; loopback only");
        foreach (var node in (string[])["n1", "n2", "n3"])
        {
            var silo = await cluster.StartAsync(node, StepTimeout, cancellationToken);
            Say($"{node}: Orleans gateway {silo.Gateway}, key-value API {silo.Http}, replication 127.0.0.1:{silo.Ports.Replication}, pid {silo.ProcessId}");
        }

        await using var client = await cluster.ConnectAsync(cluster.Silos[0].Gateway, cancellationToken: cancellationToken);
        _client = client;
        foreach (var node in (string[])["n1", "n2", "n3"])
        {
            await AddNodeAsync(node, cancellationToken);
        }

        Step(2, $"load {records} records through the leader; the followers catch up");
        await LoadAsync("demo-", records, cancellationToken);
        await ShowCatchUpAsync(["n2", "n3"], "n1", cancellationToken);

        Step(3, "a fourth node bootstraps by snapshot");
        await cluster.StartAsync("n4", StepTimeout, cancellationToken);
        var bootstrap = _client.Grains.Bootstrap("n4");
        await bootstrap.StartAsync("n1", "demo: a new replica");
        var done = await WatchBootstrapAsync(bootstrap, cancellationToken);
        Say($"n4 bootstrapped: {done.Summary}");
        await AddNodeAsync("n4", cancellationToken);
        await ShowCatchUpAsync(["n4"], "n1", cancellationToken);

        Step(4, "n3's stream is paused while the leader takes more writes; anti-entropy repairs it");
        await SetPausedAsync("n3", paused: true, cancellationToken);
        var peer = _client.Grains.Peer("n3", "n1");
        var appliedBefore = (await peer.GetStatusAsync()).SegmentsAppliedTotal; // before: a periodic pull may come first
        await LoadAsync("diverge-", Math.Max(records / 4, 2_000), cancellationToken);
        var (leaderSegments, laggingSegments) = (await SegmentRootAsync("n1"), await SegmentRootAsync("n3"));
        Say($"segment roots differ: n1 {leaderSegments[..12]}, n3 {laggingSegments[..12]}; diverge-0 on n3: {await LocalAsync("diverge-0", "n3")}");
        await peer.SyncNowAsync();
        await WaitAsync("n3's sealed segments to match n1's by anti-entropy", async () => await SegmentRootAsync("n3") == await SegmentRootAsync("n1"), cancellationToken);
        var applied = (await peer.GetStatusAsync()).SegmentsAppliedTotal - appliedBefore;
        Say($"n3 pulled {applied} segments from n1 by anti-entropy (PeerGrain n3/n1: {(await peer.GetStatusAsync()).SegmentsAppliedTotal} applied in all); diverge-0 on n3: {await LocalAsync("diverge-0", "n3")}");
        await SetPausedAsync("n3", paused: false, cancellationToken);
        await ShowCatchUpAsync(["n3"], "n1", cancellationToken);

        Step(5, "promote n2; n1 rejoins as a follower through syncup");
        await SetPausedAsync("n2", paused: true, cancellationToken);
        for (var i = 0; i < 3; i++)
        {
            await _client.PutAsync($"tail-{i}", Encoding.UTF8.GetBytes("written on n1, never replicated to n2"), cancellationToken);
        }

        Say($"n1 took tail-0..2 while n2 was not following: tail-0 on n1: {await LocalAsync("tail-0", "n1")}, on n2: {await LocalAsync("tail-0", "n2")}");
        var promoted = await _client.ReplicaSetGrain.PromoteAsync("n2");
        Say($"promoted n2: epoch {promoted.Epoch}");
        await SetPausedAsync("n2", paused: false, cancellationToken);
        for (var i = 0; i < 10; i++)
        {
            await _client.PutAsync($"after-promotion-{i}", Encoding.UTF8.GetBytes("written on n2"), cancellationToken);
        }

        await ShowCatchUpAsync(["n1", "n3", "n4"], "n2", cancellationToken);
        Say($"n1 follows n2 now; its unreplicated tail was rolled back: tail-0 on n1: {await LocalAsync("tail-0", "n1")}; after-promotion-9 on n1: {await LocalAsync("after-promotion-9", "n1")}");

        Step(6, "failover: n2's silo is killed (SIGKILL) under writes each acknowledged by a follower (acks=1)");
        await FailoverAsync("n2", cancellationToken);

        Step(7, "status");
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken); // every worker reports once more
        await output.WriteAsync(ClusterStatusTable.Render(await _client.GetStatusAsync(cancellationToken)));
        var first = cluster.Silos[0];
        // The demo's token is a throwaway, made for this run: printed, so the pages open with a copy and paste.
        var password = (await File.ReadAllTextAsync(cluster.TokenFile, cancellationToken)).Trim();
        var trust = cluster.CaFile is { } authority ? $"; the browser must trust {authority}, or be told to proceed" : "";
        Say($"Orleans Dashboard: {first.Http}dashboard/ and the replication page: {first.Http}replication (every silo serves both; user orepl, password {password}{trust})");
        Say($"try: orepl status --gateway {first.Gateway} --token-file {cluster.TokenFile} {(cluster.ClientTlsDirectory is { } tls ? $"--tls {tls}" : "--plaintext")}");
    }

    /// <summary>
    /// Sequential acks=1 writes; <paramref name="leader"/>'s silo is SIGKILLed after 200 are acknowledged, and the writes
    /// go on, the client sending the one in flight again to the new leader. Then every acknowledged write is read back.
    /// </summary>
    private async Task FailoverAsync(string leader, CancellationToken cancellationToken)
    {
        const int LeaseMilliseconds = 2_000;
        await _client.ReplicaSetGrain.SetLeaseAsync(LeaseMilliseconds);
        Say($"the demo shortens the lease to {LeaseMilliseconds} ms (5,000 as shipped): a leader that stops renewing is replaced a lease and a tenth later");
        var probe = await FailoverProbe.RunAsync(cluster, _client, leader, (200, 200, 0),
            () => Say($"killed {leader}'s silo (pid {cluster.Silo(leader).ProcessId}) after 200 acknowledged writes"), cancellationToken);
        var change = await _client.ReplicaSetGrain.GetLastChangeAsync();
        Say(string.Create(CultureInfo.InvariantCulture, $"{change?.Reason}; epoch {change?.Epoch}: {string.Join(", ", change?.Moves.GroupBy(m => m.To).Select(g => $"shards {string.Join(',', g.Select(m => m.Shard))} to {g.Key}") ?? [])}"));
        var lost = probe.Lost;
        Say(string.Create(CultureInfo.InvariantCulture, $"writes went on after a pause of {probe.LongestPause.TotalSeconds:F1} s: {probe.Acknowledged} acknowledged, {lost} lost"));
        if (lost > 0)
        {
            throw new DemoStepException($"{lost} acknowledged writes were lost in the failover");
        }
    }

    private async Task AddNodeAsync(string node, CancellationToken cancellationToken)
    {
        var address = await _client.ReplicationAddressOfAsync(node, cancellationToken);
        await WaitAsync($"{node}'s store to open", async () => (await NodeAsync(node)).ShardCount > 0, cancellationToken);
        var topology = await _client.ReplicaSetGrain.AddNodeAsync(node, address, (await NodeAsync(node)).ShardCount);
        Say($"added {node}: {(topology.ShardsLedBy(node).Count > 0 ? "leads every shard" : "follows")} (epoch {topology.Epoch})");
    }

    private async Task LoadAsync(string prefix, int count, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var values = Enumerable.Range(0, count).Select(i => KeyValuePair.Create(string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}"), Encoding.UTF8.GetBytes($"{prefix}{i} {new string('.', 90)}")));
        var written = await _client.LoadAsync(values, cancellationToken: cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Say(string.Create(CultureInfo.InvariantCulture, $"loaded {written} records in {seconds:F2} s ({written / seconds:F0} records/s)"));
    }

    /// <summary>Prints each follower's progress twice a second until every one's store root equals the leader's.</summary>
    private async Task ShowCatchUpAsync(IReadOnlyList<string> followers, string leader, CancellationToken cancellationToken)
    {
        await WaitAsync($"{string.Join(", ", followers)} to match {leader}", async () =>
        {
            var target = await NodeAsync(leader);
            var behind = new List<string>();
            foreach (var follower in followers)
            {
                var status = await NodeAsync(follower);
                if (status.StoreRoot != target.StoreRoot)
                {
                    var lag = target.Shards.Sum(s => s.NextLsn) - status.Shards.Sum(s => s.NextLsn);
                    behind.Add(string.Create(CultureInfo.InvariantCulture, $"{follower} {lag} behind"));
                }
            }

            if (behind.Count > 0)
            {
                Say($"catching up: {string.Join(", ", behind)}");
            }

            return behind.Count == 0;
        }, cancellationToken);
        Say($"{string.Join(", ", followers)} match {leader}: store root {(await NodeAsync(leader)).StoreRoot![..12]}");
    }

    private async Task<BootstrapStatus> WatchBootstrapAsync(IBootstrapGrain grain, CancellationToken cancellationToken)
    {
        BootstrapStatus status = await grain.GetStatusAsync();
        await WaitAsync("n4's bootstrap", async () =>
        {
            status = await grain.GetStatusAsync();
            if (status.Progress is { } p)
            {
                Say(string.Create(CultureInfo.InvariantCulture, $"bootstrap {status.State}: {p.BytesDone} of {p.BytesTotal} bytes ({(p.BytesTotal == 0 ? 0 : 100.0 * p.BytesDone / p.BytesTotal):F0}%), {p.MegabytesPerSecond:F1} MB/s"));
            }

            return status.State is not ("requested" or "running");
        }, cancellationToken);
        return status.State == "complete" ? status : throw new DemoStepException($"n4's bootstrap {status.State}: {status.Error}");
    }

    private async Task SetPausedAsync(string node, bool paused, CancellationToken cancellationToken)
    {
        var shards = (await NodeAsync(node)).ShardCount;
        for (var shard = 0; shard < shards; shard++)
        {
            var grain = _client.Grains.Shard(node, shard);
            await (paused ? grain.PauseAsync() : grain.ResumeAsync());
        }

        if (paused)
        {
            await WaitAsync($"{node}'s followers to stop", async () => (await NodeAsync(node)).Shards.All(s => !s.Following), cancellationToken);
        }

        Say($"{node}'s streams {(paused ? "paused" : "resumed")}");
    }

    private async Task<Grains.Topology.NodeStatus> NodeAsync(string node) =>
        await _client.Grains.Node(node).GetStatusAsync();

    private async Task<string> SegmentRootAsync(string node) => (await NodeAsync(node)).SegmentRoot ?? "(closed)";

    private async Task<string> LocalAsync(string key, string node) =>
        await _client.GetAsync(key, node) is { } value ? "present" : "absent";

    private static async Task WaitAsync(string what, Func<Task<bool>> condition, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp();
        while (!await condition())
        {
            if (Stopwatch.GetElapsedTime(deadline) > StepTimeout)
            {
                throw new DemoStepException($"gave up waiting for {what} after {StepTimeout.TotalSeconds} s");
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    private void Step(int number, string title)
    {
        output.WriteLine();
        output.WriteLine($"== {number}. {title}");
    }

    private void Say(string line)
    {
        output.WriteLine($"   {line}");
        output.Flush();
    }
}
