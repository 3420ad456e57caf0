using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Core.Replication.Streaming;

/// <summary>Batching, backpressure, liveness and reconnect settings of log streaming. Check with <see cref="Validate"/>.</summary>
public sealed record StreamingOptions
{
    public int MaxBatchRecords { get; init; } = 8192;

    public int MaxBatchBytes { get; init; } = 1 << 20;

    /// <summary>Batches the feeder sends before it waits for an ack: the backpressure window.</summary>
    public int MaxInFlightBatches { get; init; } = 4;

    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A peer silent for this many heartbeat intervals is dead and its connection is dropped.</summary>
    public int MissedHeartbeatsAllowed { get; init; } = 3;

    public long RollbackLimit { get; init; } = Syncup.SyncupReplica.DefaultRollbackLimit;

    public TimeSpan ReconnectBase { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan ReconnectCap { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The follower saves its cursor after this many applied records, and on shutdown.</summary>
    public long CursorSaveEvery { get; init; } = 10_000;

    public int MaxFrameLength { get; init; } = FrameCodec.DefaultMaxFrameLength;

    /// <summary>A connection that has not proved the cluster secret within this time is closed.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Connections a feeder serves at once; one more is refused with a reason and closed.</summary>
    public int MaxConnections { get; init; } = 512;

    /// <summary>Connections a feeder serves at once from one address, so that one host cannot take them all.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 64;

    public TimeSpan DeadAfter => HeartbeatInterval * MissedHeartbeatsAllowed;

    /// <summary>Throws one exception naming every problem, for constructors that must not start with bad settings.</summary>
    public void ThrowIfInvalid()
    {
        if (Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"invalid streaming options: {string.Join("; ", problems)}");
        }
    }

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        Require(problems, MaxBatchRecords >= 1, $"MaxBatchRecords must be at least 1, got {MaxBatchRecords}");
        Require(problems, MaxBatchBytes >= 4096 && MaxBatchBytes < MaxFrameLength, $"MaxBatchBytes must be at least 4096 and below MaxFrameLength ({MaxFrameLength}), got {MaxBatchBytes}");
        Require(problems, MaxInFlightBatches >= 1, $"MaxInFlightBatches must be at least 1, got {MaxInFlightBatches}");
        Require(problems, HeartbeatInterval > TimeSpan.Zero, $"HeartbeatInterval must be positive, got {HeartbeatInterval}");
        Require(problems, MissedHeartbeatsAllowed >= 2, $"MissedHeartbeatsAllowed must be at least 2, got {MissedHeartbeatsAllowed}");
        Require(problems, RollbackLimit >= 0, $"RollbackLimit must not be negative, got {RollbackLimit}");
        Require(problems, ReconnectBase > TimeSpan.Zero && ReconnectCap >= ReconnectBase, $"ReconnectBase must be positive and at most ReconnectCap, got {ReconnectBase} and {ReconnectCap}");
        Require(problems, CursorSaveEvery >= 1, $"CursorSaveEvery must be at least 1, got {CursorSaveEvery}");
        Require(problems, HandshakeTimeout > TimeSpan.Zero, $"HandshakeTimeout must be positive, got {HandshakeTimeout}");
        Require(problems, MaxConnectionsPerAddress >= 1 && MaxConnections >= MaxConnectionsPerAddress, $"MaxConnectionsPerAddress must be at least 1 and at most MaxConnections ({MaxConnections}), got {MaxConnectionsPerAddress}");
        return problems;
    }

    private static void Require(List<string> problems, bool condition, string problem)
    {
        if (!condition)
        {
            problems.Add(problem);
        }
    }
}
