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
        text.Append(topology.DefaultAcks == 0 ? "writes acknowledged on the leader's disk (acks=0)\n\n" : string.Create(CultureInfo.InvariantCulture, $"writes acknowledged once {topology.DefaultAcks} followers hold them (acks={topology.DefaultAcks})\n\n"));

        var nodes = new TextTable("NODE", "STATE", "API", "LEADS", "STORE ROOT", "SEGMENT ROOT", "BOOTSTRAP");
        foreach (var node in status.Nodes)
        {
            var member = topology.Node(node.NodeId) is null ? " (not a member)" : "";
            nodes.Add(node.NodeId + member, node.Status?.State ?? node.Error, node.Api, Join(topology.ShardsLedBy(node.NodeId)),
                Short(node.Status?.StoreRoot), Short(node.Status?.SegmentRoot), Bootstrap(node));
        }

        text.Append(nodes).Append('\n');
        var shards = new TextTable("NODE", "SHARD", "ROLE", "LEADER", "NEXT LSN", "STATE", "LAG", "LAG MS", "REC/S", "DURABLE ON FOLLOWERS", "LAST ERROR");
        foreach (var node in status.Nodes)
        {
            foreach (var shard in node.Shards)
            {
                var number = ShardKey.Parse(shard.Key).Shard;
                var live = node.Status?.Shards.FirstOrDefault(s => s.Shard == number);
                shards.Add(node.NodeId, number, live?.Role, number < topology.Leaders.Count ? topology.Leaders[number] : null, live?.NextLsn,
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

    /// <summary>On a leader's row, each follower's acknowledged LSN (<c>n2@998 n3@990</c>); empty elsewhere.</summary>
    private static string Durable(Grains.Topology.NodeShard? shard) =>
        shard?.Durable is { Count: > 0 } durable ? string.Join(' ', durable.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Node}@{f.Lsn}"))) : "";

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
