using System.Text.Json;

namespace OrleansRepl.Hosting.Runtime;

/// <summary>How the host runs activations and stores their state.</summary>
public sealed class GrainHostOptions
{
    /// <summary>This silo's node id: grains with keys <c>{node}/…</c> of other nodes are called on their own node's silo. Null: every grain is local.</summary>
    public string? LocalNode { get; set; }

    /// <summary>Where grains whose key names no node live (see <see cref="Placement.GrainPlacement"/>).</summary>
    public string? HomeNode { get; set; }

    /// <summary>An activation with no call for this long is deactivated.</summary>
    public TimeSpan IdleAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Serializer options whose type-info resolvers (System.Text.Json source generation) cover every state type.</summary>
    public JsonSerializerOptions StateJson { get; set; } = new();

    /// <summary>Serializer options for grain call arguments and results through the gateway.</summary>
    public JsonSerializerOptions CallJson { get; set; } = new(JsonSerializerDefaults.Web);

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (IdleAge <= TimeSpan.Zero)
        {
            problems.Add($"IdleAge must be positive, got {IdleAge}");
        }

        if (CollectionInterval <= TimeSpan.Zero)
        {
            problems.Add($"CollectionInterval must be positive, got {CollectionInterval}");
        }

        return problems;
    }
}
