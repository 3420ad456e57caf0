using System.Text.Json.Serialization;
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
        var stored = await JsonFile.ReadIfPresentAsync(path, PeerCursorJsonContext.Default.PeerCursorRecord, "peer cursor", cancellationToken);
        try
        {
            return stored?.ToCursor();
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"peer cursor {path} is damaged: {e.Message}", e);
        }
    }

    public ValueTask SaveAsync(string peer, PeerCursor cursor, CancellationToken cancellationToken)
    {
        JsonFile.Replace(PathOf(peer), PeerCursorRecord.From(cursor), PeerCursorJsonContext.Default.PeerCursorRecord);
        return ValueTask.CompletedTask;
    }

    private string PathOf(string peer) => Path.Combine(_directory, $"peer-{SafeName.Check(peer, "peer node id")}.json");
}

[JsonSerializable(typeof(PeerCursorRecord))]
internal sealed partial class PeerCursorJsonContext : JsonSerializerContext;
