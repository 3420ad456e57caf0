using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansRepl.Core.Storage.Files;

/// <summary>The store's fixed facts, written once at creation: format version and shard count.</summary>
internal sealed record StoreManifest(int FormatVersion, int ShardCount)
{
    public const int CurrentFormat = 1;
    public const string FileName = "STORE";

    public static StoreManifest Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), StorageJsonContext.Default.StoreManifest)
                ?? throw new SegmentCorruptException(path, 0, "empty store manifest");
        }
        catch (JsonException e)
        {
            throw new SegmentCorruptException(path, e.BytePositionInLine ?? 0, $"store manifest is not valid JSON: {e.Message}");
        }
    }

    public void Save(string directory) =>
        DurableFile.Replace(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, StorageJsonContext.Default.StoreManifest));
}

/// <summary>Source-generated JSON for the store's small metadata files.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(StoreManifest))]
[JsonSerializable(typeof(SegmentManifest))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
