namespace OrleansRepl.Silo.Workers;

/// <summary>The supervisor's log messages.</summary>
public sealed partial class ReplicationSupervisor
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "node {Node}: reconciling the replication workers failed; retrying at the next poll")]
    private static partial void LogTickFailed(ILogger logger, string node, Exception exception);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "node {Node} took replica set {ReplicaSet} epoch {Epoch}: leaders {Leaders}, {Nodes} nodes")]
    private static partial void LogTopology(ILogger logger, string node, string replicaSet, long epoch, string leaders, int nodes);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "the topology of replica set {ReplicaSet} cannot be read ({Reason}); the last one known stays in force")]
    private static partial void LogTopologyUnavailable(ILogger logger, string replicaSet, string reason);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "node {Node} opened its store {Directory} ({Shards} shards); feeder on {EndPoint}")]
    private static partial void LogStoreOpen(ILogger logger, string node, string directory, int shards, string endPoint);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "node {Node} follows shard {Shard} from {Leader} at {EndPoint}, epoch {Epoch}")]
    private static partial void LogFollowing(ILogger logger, string node, int shard, string leader, string endPoint, long epoch);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "node {Node} shard {Shard} has diverged from {Leader} beyond syncup ({Reason}); a bootstrap is requested")]
    private static partial void LogNeedsRestore(ILogger logger, string node, int shard, string leader, string reason);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "node {Node} shard {Shard}: the follower of {Leader} was refused ({Reason}); retrying in {Seconds} s")]
    private static partial void LogFollowerFailed(ILogger logger, string node, int shard, string leader, string reason, double seconds);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "node {Node} pulls anti-entropy from {Peer} at {Address} every {Seconds} s")]
    private static partial void LogAntiEntropy(ILogger logger, string node, string peer, string address, double seconds);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Information, Message = "node {Node} bootstraps from {Source} at {Address}: {Reason}")]
    private static partial void LogBootstrapStarting(ILogger logger, string node, string source, string address, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Information, Message = "node {Node} bootstrapped: {Summary}")]
    private static partial void LogBootstrapDone(ILogger logger, string node, string summary);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "node {Node}: the bootstrap was interrupted by shutdown; it resumes from its last checkpoint at the next start")]
    private static partial void LogBootstrapInterrupted(ILogger logger, string node);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Error, Message = "node {Node}: the bootstrap from {Source} failed")]
    private static partial void LogBootstrapFailed(ILogger logger, string node, string source, Exception exception);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "node {Node} stopped its replication workers; every cursor is saved")]
    private static partial void LogStopped(ILogger logger, string node);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Error, Message = "node {Node}: its store refuses to open: {Reason}")]
    private static partial void LogStoreDamaged(ILogger logger, string node, string reason);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "node {Node} leads damaged shard {Shard}; it steps down: {Replica} holds the most of that shard (next LSN {NextLsn}) and is promoted, then this node restores from it")]
    private static partial void LogSteppingDown(ILogger logger, string node, int shard, string replica, long nextLsn);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Error, Message = "node {Node}: shard {Shard} is damaged and no live member holds a replica of it; it stays closed until an operator restores or salvages it (orepl store salvage)")]
    private static partial void LogNoReplica(ILogger logger, string node, int shard);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Information, Message = "node {Node} shard {Shard} caught up with {Leader}: {Applied} records applied in {Seconds:F3} s")]
    private static partial void LogCaughtUp(ILogger logger, string node, int shard, string leader, long applied, double seconds);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Warning, Message = "node {Node}: {Worker} had ended by {Error} when it was stopped: {Reason}")]
    private static partial void LogWorkerEndedByError(ILogger logger, string node, string worker, string error, string reason);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Warning, Message = "node {Node}: the cursor of shard {Shard} could not be flushed on stop ({Reason}); its grain writes the latest it holds as it deactivates")]
    private static partial void LogFlushFailed(ILogger logger, string node, int shard, string reason);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Information, Message = "node {Node}: TLS on every transport (replication, silo-to-silo, gateway, HTTPS), presenting {Certificate}; peers must chain to the CA in {CaFile}")]
    private static partial void LogTlsOn(ILogger logger, string node, string certificate, string caFile);

    [LoggerMessage(EventId = 1020, Level = LogLevel.Warning, Message = "node {Node}: TLS is OFF (Tls:Plaintext=true): replication frames, grain calls and the key-value API travel in plaintext, readable and injectable by anyone on the path; the silo binds to loopback only")]
    private static partial void LogPlaintext(ILogger logger, string node);
}
