namespace OrleansRepl.Grains.Topology;

/// <summary>Who holds <see cref="Shard"/>'s lease as the replica set grain counts it (none when it lapsed), and for how much longer.</summary>
[GenerateSerializer, Immutable]
public sealed record ShardLease(int Shard, string? Holder, int RemainingMilliseconds);
