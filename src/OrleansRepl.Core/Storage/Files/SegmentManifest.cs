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

        var manifest = ManifestFile.Load(path, StorageJsonContext.Default.SegmentManifest);
        if (manifest.Segments is null)
        {
            throw new SegmentCorruptException(path, 0, "it lists no segments array");
        }

        // Segment names become file paths: only a hash's own 64 lowercase hex digits may pass.
        foreach (var entry in manifest.Segments)
        {
            if (entry?.Hash is null)
            {
                throw new SegmentCorruptException(path, 0, "a segment entry or its name is missing");
            }

            if (entry.Hash.Length != 64 || !entry.Hash.All(char.IsAsciiHexDigitLower))
            {
                throw new SegmentCorruptException(path, 0, $"segment name \"{entry.Hash}\" is not 64 lowercase hex digits");
            }
        }

        return manifest;
    }

    public void Save(string shardDirectory) =>
        ManifestFile.Save(Path.Combine(shardDirectory, FileName), this, StorageJsonContext.Default.SegmentManifest);
}

/// <summary>One sealed segment: its content hash (the file name), LSN range, size and record count.</summary>
internal sealed record SealedSegmentEntry(string Hash, long FirstLsn, long LastLsn, long Bytes, long Records, bool Imported);
