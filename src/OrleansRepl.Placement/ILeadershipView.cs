namespace OrleansRepl.Placement;

/// <summary>What a silo knows of who leads a replica set's shards (its node's last topology), for <see cref="AwayFromLeadersPlacement"/>.</summary>
public interface ILeadershipView
{
    /// <summary>How many of <paramref name="replicaSet"/>'s shards each member node leads; null when this silo has not heard.</summary>
    IReadOnlyDictionary<string, int>? ShardsLed(string replicaSet);
}
