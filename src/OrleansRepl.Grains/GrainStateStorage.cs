using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace OrleansRepl.Grains;

/// <summary>How the grains' state is written by the grain storage providers.</summary>
public static class GrainStateStorage
{
    /// <summary>
    /// Grain state as JSON (the source-generated <see cref="GrainStateJson"/> first), so an operator can read a cursor
    /// or a topology with psql or sqlite3. Every silo configures its providers with it.
    /// </summary>
    public static IGrainStorageSerializer JsonSerializer()
    {
        var options = new SystemTextJsonGrainStorageSerializerOptions();
        options.JsonSerializerOptions.TypeInfoResolver = JsonTypeInfoResolver.Combine(GrainStateJson.Default, new DefaultJsonTypeInfoResolver());
        return new SystemTextJsonGrainStorageSerializer(Options.Create(options));
    }
}
