namespace OrleansRepl.Grains;

/// <summary>The grain storage providers the grains name in their <c>[PersistentState]</c>.</summary>
public static class GrainStorageNames
{
    /// <summary>
    /// The state of node-affine grains (shard, peer, bootstrap, node). On the embedded default, a SQLite file of the
    /// node's own: those grains are only ever activated on their node's silo.
    /// </summary>
    public const string Node = "state";

    /// <summary>The state of grains that any silo may host (the replica set): a store every silo reaches.</summary>
    public const string Shared = "shared";
}
