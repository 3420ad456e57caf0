using System.Text.Json.Serialization;
using OrleansRepl.Grains.Shards;

namespace OrleansRepl.Grains;

/// <summary>Source-generated JSON for every grain state of the replication grains.</summary>
[JsonSerializable(typeof(ShardGrainState))]
public sealed partial class GrainStateJson : JsonSerializerContext;
