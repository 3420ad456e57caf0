using System.Globalization;
using System.Text;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Client.Cluster;

/// <summary>The operator's view of a <see cref="ClusterStatus"/>: nodes, shards, bootstraps and peers as text tables.</summary>
public static class ClusterStatusTable
{
    public static string Render(ClusterStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var topology = status.Topology;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"replica set {topology.ReplicaSet}: epoch {topology.Epoch}, {topology.ShardCount} shards, {topology.Nodes.Count} nodes, ");
        text.Append(topology.DefaultAcks == 0 ? "writes acknowledged on the leader's disk (acks=0)" : string.Create(CultureInfo.InvariantCulture, $"writes acknowledged once {topology.DefaultAcks} followers hold them (acks={topology.DefaultAcks})"));
        text.Append(CultureInfo.InvariantCulture, $", leader leases of {topology.LeaseMilliseconds} ms");
        text.Append(status.GrainHost is { } host ? $", replica set grain on {host}'s silo\n" : "\n");
        text.Append(LastChange(status.LastChange)).Append("\n\n");

        var nodes = new TextTable("NODE", "STATE", "API", "LEADS", "FOLLOWER LAG P50/P99 MS (10 S)", "STORE ROOT", "SEGMENT ROOT", "BOOTSTRAP");
        foreach (var node in status.Nodes)
        {
            var member = topology.Node(node.NodeId) is null ? " (not a member)" : "";
            nodes.Add(node.NodeId + member, node.Status?.State ?? node.Error, node.Api, Join(topology.ShardsLedBy(node.NodeId)), Lag(node.Status),
                Short(node.Status?.StoreRoot), Short(node.Status?.SegmentRoot), Bootstrap(node));
        }

        text.Append(nodes).Append('\n');
        var shards = new TextTable("NODE", "SHARD", "ROLE", "LEADER", "LEASE", "NEXT LSN", "STATE", "LAG", "LAG MS", "REC/S", "DURABLE ON FOLLOWERS", "LAST ERROR");
        foreach (var node in status.Nodes)
        {
            foreach (var shard in node.Shards)
            {
                var number = ShardKey.Parse(shard.Key).Shard;
                var live = node.Status?.Shards.FirstOrDefault(s => s.Shard == number);
                shards.Add(node.NodeId, number, live?.Role, number < topology.Leaders.Count ? topology.Leaders[number] : null, Lease(status, node.NodeId, number), live?.NextLsn,
                    shard.State, shard.LagRecords, shard.LagMilliseconds.ToString("F0", CultureInfo.InvariantCulture), shard.RecordsPerSecond.ToString("F0", CultureInfo.InvariantCulture), Durable(live), shard.LastError);
            }
        }

        text.Append(shards).Append('\n');
        var peers = new TextTable("NODE", "PULLS FROM", "EVERY S", "PEER ROOT", "PENDING", "APPLIED", "LAST ATTEMPT", "LAST ERROR");
        foreach (var node in status.Nodes)
        {
            foreach (var peer in node.Peers)
            {
                peers.Add(node.NodeId, PeerKey.Parse(peer.Key).Peer, peer.IntervalSeconds, Short(peer.LastKnownPeerRoot), peer.SegmentsPending, peer.SegmentsAppliedTotal,
                    peer.LastAttempt?.ToString("HH:mm:ss", CultureInfo.InvariantCulture), peer.LastError);
            }
        }

        return text.Append(peers).ToString();
    }

    /// <summary>
    /// On the leader's row, its lease as the replica set grain counts it: the time left (<c>4.2s</c>), or <c>none</c>
    /// when it holds none (lapsed, or still held by the shard's previous leader, named); empty on other rows.
    /// </summary>
    private static string Lease(ClusterStatus status, string node, int shard)
    {
        if (shard >= status.Topology.Leaders.Count || status.Topology.Leaders[shard] != node)
        {
            return "";
        }

        return status.Leases.FirstOrDefault(l => l.Shard == shard) switch
        {
            { Holder: { } holder } lease when holder == node => string.Create(CultureInfo.InvariantCulture, $"{lease.RemainingMilliseconds / 1000.0:F1}s"),
            { Holder: { } holder } lease => string.Create(CultureInfo.InvariantCulture, $"none: {holder} holds it {lease.RemainingMilliseconds / 1000.0:F1}s more"),
            _ => "none",
        };
    }

    /// <summary>
    /// The last change of leaders: when, why, and per old leader the shards that moved, to whom, and how many records
    /// the old leader had reported beyond the new one (never acknowledged ones, unless the change was forced).
    /// </summary>
    private static string LastChange(Grains.Topology.LeaderChange? change)
    {
        if (change is null)
        {
            return "last leader change: none";
        }

        var moves = change.Moves.Length == 0
            ? "no shard moved"
            : string.Join("; ", change.Moves.GroupBy(m => (m.From, m.To)).Select(g =>
                $"shards {string.Join(',', g.Select(m => m.Shard))} from {g.Key.From} to {g.Key.To}, {Unreplicated(g, change.Forced)}"));
        return string.Create(CultureInfo.InvariantCulture, $"last leader change: {change.At:yyyy-MM-dd HH:mm:ss}Z, epoch {change.Epoch}, {change.Reason}: {moves}");
    }

    /// <summary>
    /// The records the old leader had and the new one lacked, summed over the moved shards, as both last reported
    /// (every third of a lease): a leader that died wrote more since its report, none of it acknowledged.
    /// </summary>
    private static string Unreplicated(IEnumerable<Grains.Topology.LeaderMove> moves, bool forced)
    {
        var counts = moves.Select(m => m.Unreplicated).ToList();
        return counts.Any(c => c is null)
            ? "what the new leader lacked is unknown (a node had not reported)"
            : string.Create(CultureInfo.InvariantCulture, $"as last reported the old leader held {counts.Sum()} records the new one lacked ({(forced ? "forced: acknowledged ones may be among them" : "none of them acknowledged")}; it rolls them back as it rejoins)");
    }

    /// <summary>On a leader's row, each follower's acknowledged LSN (<c>n2@998 n3@990</c>); empty elsewhere.</summary>
    private static string Durable(Grains.Topology.NodeShard? shard) =>
        shard?.Durable is { Count: > 0 } durable ? string.Join(' ', durable.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Node}@{f.Lsn}"))) : "";

    /// <summary>On a leader, each follower's lag from its commit to the follower's ack over the last 10 s (<c>n2 0.8/2.1</c>); empty elsewhere.</summary>
    private static string Lag(Grains.Topology.NodeStatus? status) =>
        status?.Lag is { Count: > 0 } lag ? string.Join(' ', lag.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Node} {l.P50Milliseconds:F1}/{l.P99Milliseconds:F1}"))) : "";

    private static string Bootstrap(NodeView node) => node.Bootstrap switch
    {
        null => "unknown",
        { State: "none" } => "-",
        { State: "running", Progress: { } p } => string.Create(CultureInfo.InvariantCulture, $"running from {node.Bootstrap.Source}: {p.BytesDone}/{p.BytesTotal} bytes, {p.MegabytesPerSecond:F1} MB/s"),
        var b => $"{b.State} from {b.Source}{(b.Error is null ? "" : $": {b.Error}")}",
    };

    private static string Join(IReadOnlyList<int> shards) => shards.Count == 0 ? "-" : string.Join(',', shards);

    private static string? Short(string? hash) => hash is null ? null : hash[..12];
}
