using System.Text.Json.Serialization;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Grains;

/// <summary>
/// Source-generated JSON for every grain state of the replication grains: the grain storage stores state as this
/// JSON, so an operator can read a cursor or a topology with psql or sqlite3.
/// </summary>
[JsonSerializable(typeof(ShardGrainState))]
[JsonSerializable(typeof(PeerGrainState))]
[JsonSerializable(typeof(BootstrapGrainState))]
[JsonSerializable(typeof(ReplicaSetState))]
public sealed partial class GrainStateJson : JsonSerializerContext;
