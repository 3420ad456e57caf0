using System.Text.Json;

namespace OrleansRepl.Core.Storage.Files;

/// <summary>
/// A shard's sealed segments, in log order for its own ones, and the LSN the active segment continues
/// from. Replaced atomically; the only record of which sealed files belong to the shard.
/// </summary>
internal sealed record SegmentManifest(long NextLsn, IReadOnlyList<SealedSegmentEntry> Segments)
{
    public const string FileName = "MANIFEST";

    public static SegmentManifest Empty { get; } = new(1, []);

    public static SegmentManifest LoadOrEmpty(string shardDirectory)
    {
        var path = Path.Combine(shardDirectory, FileName);
        if (!File.Exists(path))
        {
            return Empty;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(path), StorageJsonContext.Default.SegmentManifest)
                ?? throw new SegmentCorruptException(path, 0, "empty segment manifest");
        }
        catch (JsonException e)
        {
            throw new SegmentCorruptException(path, e.BytePositionInLine ?? 0, $"segment manifest is not valid JSON: {e.Message}");
        }
    }

    public void Save(string shardDirectory) =>
        DurableFile.Replace(Path.Combine(shardDirectory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, StorageJsonContext.Default.SegmentManifest));
}

/// <summary>One sealed segment: its content hash (the file name), LSN range, size and record count.</summary>
internal sealed record SealedSegmentEntry(string Hash, long FirstLsn, long LastLsn, long Bytes, long Records, bool Imported);
