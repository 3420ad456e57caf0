using Microsoft.Extensions.Logging;

namespace OrleansRepl.Core.Replication.Streaming.Follower;

public sealed partial class Follower
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "shard {Shard}: streaming from LSN {From}; the leader is at {LeaderNext}")]
    private static partial void LogStreaming(ILogger logger, int shard, long from, long leaderNext);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "shard {Shard}: connection lost ({Reason}); reconnecting")]
    private static partial void LogReconnecting(ILogger logger, int shard, string reason);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "shard {Shard}: stopped, the leader refused us: {Reason}")]
    private static partial void LogFailed(ILogger logger, int shard, string reason);

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning, Message = "shard {Shard}: starting from the store, not the cursor: {Reason}")]
    private static partial void LogCursorDamaged(ILogger logger, int shard, string reason);

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning, Message = "shard {Shard}: needs a restore: {Reason}")]
    private static partial void LogNeedsRestore(ILogger logger, int shard, string reason);
}
