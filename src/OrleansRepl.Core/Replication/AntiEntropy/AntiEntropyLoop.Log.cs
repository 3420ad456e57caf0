using System.Net;
using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>The loop's log messages.</summary>
public sealed partial class AntiEntropyLoop
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "anti-entropy with {Peer}: {Missing} segments missing, {Applied} applied, {Pending} still pending; {MetadataBytes} bytes of metadata in {RoundTrips} round trips")]
    private static partial void LogCycle(ILogger logger, string peer, int missing, int applied, int pending, long metadataBytes, int roundTrips);

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "anti-entropy with {Peer} failed: {Reason}; retrying at the next interval")]
    private static partial void LogCycleFailed(ILogger logger, EndPoint peer, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "applied segment {Hash} to shard {Shard}: {Written} records won, {Shadowed} shadowed")]
    private static partial void LogApplied(ILogger logger, Blake3Hash hash, int shard, long written, long shadowed);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "segment {Hash} arrived with BLAKE3 {Actual}; it stays pending for the next cycle")]
    private static partial void LogMismatch(ILogger logger, Blake3Hash hash, string actual);

    [LoggerMessage(EventId = 304, Level = LogLevel.Error, Message = "segment {Hash} from peer {Peer} cannot be imported here: {Reason}; it stays pending")]
    private static partial void LogRejected(ILogger logger, Blake3Hash hash, System.Net.EndPoint peer, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "the peer no longer holds segment {Hash}; dropped from pending")]
    private static partial void LogSegmentGone(ILogger logger, Blake3Hash hash);

    [LoggerMessage(EventId = 307, Level = LogLevel.Warning, Message = "the cursor for {Peer} is damaged and starts afresh: {Reason}")]
    private static partial void LogCursorDamaged(ILogger logger, string peer, string reason);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "uploading segment {Hash} failed: {Reason}; it is applied here regardless")]
    private static partial void LogUploadFailed(ILogger logger, Blake3Hash hash, string reason);

    [LoggerMessage(EventId = 308, Level = LogLevel.Warning, Message = "saving the cursor for {Peer} after a failed pull failed too: {Reason}; the next cycle finds what is still missing")]
    private static partial void LogCursorSaveFailed(ILogger logger, string peer, string reason);
}
