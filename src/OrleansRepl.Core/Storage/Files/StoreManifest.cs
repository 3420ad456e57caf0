using System.Text.Json.Serialization;

namespace OrleansRepl.Core.Storage.Files;

/// <summary>The store's fixed facts, written once at creation: format version and shard count.</summary>
internal sealed record StoreManifest(int FormatVersion, int ShardCount)
{
    public const int CurrentFormat = 1;
    public const string FileName = "STORE";

    public static StoreManifest Load(string directory) =>
        ManifestFile.Load(Path.Combine(directory, FileName), StorageJsonContext.Default.StoreManifest);

    public void Save(string directory) =>
        ManifestFile.Save(Path.Combine(directory, FileName), this, StorageJsonContext.Default.StoreManifest);
}

/// <summary>Source-generated JSON for the store's small metadata files.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(StoreManifest))]
[JsonSerializable(typeof(SegmentManifest))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
