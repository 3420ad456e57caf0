using System.Net;
using Microsoft.Extensions.Logging;

namespace OrleansRepl.Core.Replication.Streaming.Feeder;

public sealed partial class Feeder
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "feeder listening on {EndPoint}")]
    private static partial void LogListening(ILogger logger, IPEndPoint endPoint);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "streaming shard {Shard} to {Peer} from LSN {From}")]
    private static partial void LogStreaming(ILogger logger, string peer, int shard, long from);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "refused stream of shard {Shard} to {Peer}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string peer, int shard, string reason);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "{Peer} needs a restore of shard {Shard}; no stream")]
    private static partial void LogRestoreRequested(ILogger logger, string peer, int shard);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "stream from {Remote} ended: {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "serving anti-entropy to {Peer}")]
    private static partial void LogServingAntiEntropy(ILogger logger, string peer);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error, Message = "cannot ship the log: {Reason}")]
    private static partial void LogCannotShip(ILogger logger, string reason);

    [LoggerMessage(EventId = 107, Level = LogLevel.Error, Message = "accepting a connection on {EndPoint} failed ({Error}: {Reason}); accepting again in {PauseMilliseconds} ms")]
    private static partial void LogAcceptFailed(ILogger logger, IPEndPoint endPoint, System.Net.Sockets.SocketError error, string reason, double pauseMilliseconds);

    [LoggerMessage(EventId = 108, Level = LogLevel.Warning, Message = "the follower of shard {Shard} broke the protocol, and its stream was ended: {Reason}")]
    private static partial void LogProtocolViolation(ILogger logger, int shard, string reason);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "this process may open {Limit} files (ulimit -n) and has {Open} open: the feeder serves at most {Connections} connections, not MaxConnections {Configured}, keeping {Reserve} descriptors for the store and the runtime; raise the limit to serve more")]
    private static partial void LogDescriptorBudget(ILogger logger, long limit, int open, int connections, int configured, long reserve);

    [LoggerMessage(EventId = 109, Level = LogLevel.Warning, Message = "refused a connection from {Remote}: {Reason}")]
    private static partial void LogConnectionRefused(ILogger logger, EndPoint? remote, string reason);
}
