using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>
/// An optional durable copy of segments elsewhere (object storage, a backup host). A puller uploads each
/// segment it applies; a failed upload is logged and never undoes or blocks the import.
/// </summary>
public interface ISegmentUploader
{
    ValueTask UploadAsync(Blake3Hash hash, ReadOnlyMemory<byte> segment, CancellationToken cancellationToken);
}
