using Microsoft.Extensions.Logging;

namespace OrleansRepl.Grains.Topology;

/// <summary>The replica set grain's log events (900-908).</summary>
public sealed partial class ReplicaSetGrain
{
    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "replica set {ReplicaSet}: this activation took charge as generation {Generation} at epoch {Epoch}; every leader counts as holding its lease for {LeaseMilliseconds} ms from now")]
    private static partial void LogTookCharge(ILogger logger, string replicaSet, long generation, long epoch, double leaseMilliseconds);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning, Message = "replica set {ReplicaSet}: this activation (generation {Generation}) found generation {Current} in storage; another activation has taken charge, so this one grants no lease and deactivates")]
    private static partial void LogReplaced(ILogger logger, string replicaSet, long generation, long current);

    [LoggerMessage(EventId = 903, Level = LogLevel.Warning, Message = "replica set {ReplicaSet} failed over shard {Shard} from {From} to {To} at epoch {Epoch}: {From} last reported LSN {FromLsn}, {To} held LSN {ToLsn} (-1: not reported)")]
    private static partial void LogFailedOver(ILogger logger, string replicaSet, int shard, string from, string to, long epoch, long fromLsn, long toLsn);

    [LoggerMessage(EventId = 904, Level = LogLevel.Error, Message = "replica set {ReplicaSet} cannot fail over: {Reasons}")]
    private static partial void LogFailoverStuck(ILogger logger, string replicaSet, string reasons);

    [LoggerMessage(EventId = 905, Level = LogLevel.Error, Message = "replica set {ReplicaSet}: a failover could not be written ({Reason}); it is tried again")]
    private static partial void LogFailoverFailed(ILogger logger, string replicaSet, string reason);

    [LoggerMessage(EventId = 906, Level = LogLevel.Warning, Message = "replica set {ReplicaSet}: this grain did not run for {Milliseconds} ms; every member gets a full lease to report before any leader is judged silent")]
    private static partial void LogStalled(ILogger logger, string replicaSet, double milliseconds);

    [LoggerMessage(EventId = 907, Level = LogLevel.Information, Message = "replica set {ReplicaSet}: this grain's node {Node} now leads {Shards} shards and {Target} leads {TargetShards}; the grain moves to {Target}'s silo once idle, so that a leader's silo does not take it down too (asked again: {Again})")]
    private static partial void LogMoving(ILogger logger, string replicaSet, string node, int shards, string target, int targetShards, bool again);

    [LoggerMessage(EventId = 908, Level = LogLevel.Information, Message = "replica set {ReplicaSet}: this grain would move away from node {Node}'s silo, but waits: member {Silent} last renewed {Milliseconds} ms ago, past the {LeaseMilliseconds} ms lease")]
    private static partial void LogMoveWaits(ILogger logger, string replicaSet, string node, string silent, double milliseconds, double leaseMilliseconds);

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "replica set {ReplicaSet} epoch {Epoch} could not be announced to node {Node} now ({Reason}); it learns at its next poll")]
    private static partial void LogAnnounceFailed(ILogger logger, string replicaSet, long epoch, string node, string reason);
}
