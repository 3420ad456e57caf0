using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansRepl.Core.Storage.Files;

/// <summary>Reading and atomically replacing the store's small JSON metadata files.</summary>
internal static class ManifestFile
{
    /// <summary>Reads <paramref name="path"/>; a file that does not parse is corruption naming the file, never a default.</summary>
    public static T Load<T>(string path, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), type)
                ?? throw new SegmentCorruptException(path, 0, "the file holds JSON null");
        }
        catch (JsonException e)
        {
            throw new SegmentCorruptException(path, e.BytePositionInLine ?? 0, $"not valid JSON: {e.Message}");
        }
    }

    public static void Save<T>(string path, T value, JsonTypeInfo<T> type) => JsonFile.Replace(path, value, type);
}
