using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Client.Cluster;

/// <summary>
/// A replica set seen whole: its topology, each shard's lease as the replica set grain counts it, the last change of
/// leaders (a failover or a promotion), the node whose silo holds the replica set grain (null if unknown), and per
/// member node its store, shards, bootstrap and peers.
/// </summary>
public sealed record ClusterStatus(ReplicaSetTopology Topology, IReadOnlyList<NodeView> Nodes, IReadOnlyList<ShardLease> Leases, LeaderChange? LastChange, string? GrainHost = null);

/// <summary>
/// One member node and its key-value API. <see cref="Status"/> is null when its silo did not answer (<see cref="Error"/> says
/// why); its grains (<see cref="Shards"/>, <see cref="Bootstrap"/>, <see cref="Peers"/>) live on its silo, so they are empty then.
/// </summary>
public sealed record NodeView(string NodeId, Uri? Api, NodeStatus? Status, string? Error, IReadOnlyList<ShardStatus> Shards, BootstrapStatus? Bootstrap, IReadOnlyList<PeerStatus> Peers);
