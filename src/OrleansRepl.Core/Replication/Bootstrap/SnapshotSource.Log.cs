using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>The source's log messages.</summary>
public sealed partial class SnapshotSource
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "pinned snapshot {Token}: {Bytes} bytes, store root {Root}")]
    private static partial void LogPinned(ILogger logger, string token, long bytes, Blake3Hash root);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "sending snapshot {Token} from offset {Offset} of {Bytes}")]
    private static partial void LogServing(ILogger logger, string token, long offset, long bytes);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "snapshot token {Token} is unknown or expired; the sink must start again")]
    private static partial void LogExpired(ILogger logger, string token);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "snapshot {Token} expired and was released")]
    private static partial void LogUnpinned(ILogger logger, string token);

    [LoggerMessage(EventId = 404, Level = LogLevel.Error, Message = "cannot export a snapshot: {Reason}")]
    private static partial void LogExportFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "sent snapshot {Token}: {Bytes} bytes in {Seconds:F2} s, {ReadSeconds:F2} s of it reading the store")]
    private static partial void LogServed(ILogger logger, string token, long bytes, double seconds, double readSeconds);
}
