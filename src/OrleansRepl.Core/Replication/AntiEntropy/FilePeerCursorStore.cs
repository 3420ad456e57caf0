using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>
/// Peer cursors as small JSON files, one per peer, each replaced atomically (temp, fsync, rename, directory
/// fsync). The peer's node id names the file, so it is checked by <see cref="SafeName"/> first.
/// </summary>
public sealed class FilePeerCursorStore : IPeerCursorStore
{
    private readonly string _directory;

    public FilePeerCursorStore(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    public async ValueTask<PeerCursor?> LoadAsync(string peer, CancellationToken cancellationToken)
    {
        var path = PathOf(peer);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var stored = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), PeerCursorJsonContext.Default.StoredPeerCursor)
                ?? throw new InvalidDataException($"peer cursor {path} is empty");
            return new PeerCursor(
                stored.LastKnownPeerRoot is { } root ? Blake3Hash.Parse(root) : null,
                stored.SegmentsPending.Select(Blake3Hash.Parse).ToList(),
                stored.LastAttempt,
                stored.SegmentsAppliedTotal);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new InvalidDataException($"peer cursor {path} is damaged: {e.Message}", e);
        }
    }

    public ValueTask SaveAsync(string peer, PeerCursor cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var stored = new StoredPeerCursor(cursor.LastKnownPeerRoot?.ToString(), cursor.SegmentsPending.Select(h => h.ToString()).ToList(), cursor.LastAttempt, cursor.SegmentsAppliedTotal);
        DurableFile.Replace(PathOf(peer), JsonSerializer.SerializeToUtf8Bytes(stored, PeerCursorJsonContext.Default.StoredPeerCursor));
        return ValueTask.CompletedTask;
    }

    private string PathOf(string peer) => Path.Combine(_directory, $"peer-{SafeName.Check(peer, "peer node id")}.json");
}

/// <summary>The file form of a <see cref="PeerCursor"/>: hashes as hex.</summary>
internal sealed record StoredPeerCursor(string? LastKnownPeerRoot, List<string> SegmentsPending, DateTimeOffset? LastAttempt, long SegmentsAppliedTotal);

[JsonSerializable(typeof(StoredPeerCursor))]
internal sealed partial class PeerCursorJsonContext : JsonSerializerContext;
