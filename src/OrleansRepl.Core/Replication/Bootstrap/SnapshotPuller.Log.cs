using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>The puller's log messages.</summary>
public sealed partial class SnapshotPuller
{
    [LoggerMessage(EventId = 410, Level = LogLevel.Information, Message = "requesting {What} from {Source} at offset {Offset}")]
    private static partial void LogRequesting(ILogger logger, string source, string what, long offset);

    [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "resuming bootstrap {Intent}: snapshot {Token} from offset {Offset}")]
    private static partial void LogResuming(ILogger logger, string intent, string token, long offset);

    [LoggerMessage(EventId = 412, Level = LogLevel.Warning, Message = "starting a fresh bootstrap: {Reason}")]
    private static partial void LogDangling(ILogger logger, string reason);

    [LoggerMessage(EventId = 413, Level = LogLevel.Warning, Message = "the snapshot must be pulled again from offset 0: {Reason}")]
    private static partial void LogRestarting(ILogger logger, string reason);

    [LoggerMessage(EventId = 414, Level = LogLevel.Warning, Message = "snapshot transfer attempt {Attempt} failed: {Reason}; retrying")]
    private static partial void LogRetrying(ILogger logger, int attempt, string reason);

    [LoggerMessage(EventId = 415, Level = LogLevel.Information, Message = "installed snapshot {Token} ({Bytes} bytes); store root {Root} verified; transfer {Seconds:F2} s, of it waiting for the source {WaitSeconds:F2} s; beside it writing {WriteSeconds:F2} s, hashing {HashSeconds:F2} s, decoding records {RecordSeconds:F2} s, fsync {FsyncSeconds:F2} s")]
    private static partial void LogInstalled(ILogger logger, string token, long bytes, Blake3Hash root, double seconds, double waitSeconds, double writeSeconds, double hashSeconds, double recordSeconds, double fsyncSeconds);
}
