namespace OrleansRepl.Grains.Topology;

/// <summary>
/// The answer to a lease renewal: the shards the node may take writes for under <see cref="Epoch"/>, for
/// <see cref="Milliseconds"/> counted from when it asked. A grant under another epoch than the node's holds nothing:
/// the node reads the topology again first.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LeaseGrant(long Epoch, int[] Shards, int Milliseconds)
{
    public static LeaseGrant None(long epoch) => new(epoch, [], 0);
}
