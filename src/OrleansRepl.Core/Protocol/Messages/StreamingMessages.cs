using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Protocol.Messages;

/// <summary>Follower → feeder: start a stream of one shard. <see cref="Epoch"/> is the newest leader epoch the follower has seen.</summary>
public readonly record struct SyncRequest(int Shard, ushort ProtocolVersion, SyncFlags Flags, long Epoch, int ShardCount) : IProtocolMessage<SyncRequest>
{
    public static MessageType Type => MessageType.SyncRequest;

    public void Write(PayloadWriter writer) => writer.UInt32((uint)Shard).UInt16(ProtocolVersion).UInt32((uint)Flags).Int64(Epoch).UInt32((uint)ShardCount);

    public static SyncRequest Read(ref PayloadReader reader) => new(
        (int)reader.UInt32("shard"), reader.UInt16("protocol version"), (SyncFlags)reader.UInt32("flags"), reader.Int64("epoch"), (int)reader.UInt32("shard count"));
}

[Flags]
public enum SyncFlags : uint
{
    None = 0,

    /// <summary>The follower holds nothing for this shard: no syncup needed, stream from LSN 1.</summary>
    EmptyState = 1,

    /// <summary>
    /// The follower wants the leader's ShardInfo only, to learn the shard count before it creates its store:
    /// the leader answers for the requested shard and ends the connection. No shard count check applies.
    /// </summary>
    InfoOnly = 2,
}

/// <summary>Feeder → follower: the shard as the leader has it.</summary>
public readonly record struct ShardInfo(int ShardCount, long LeaderEpoch, long FirstLsn, long NextLsn) : IProtocolMessage<ShardInfo>
{
    public static MessageType Type => MessageType.ShardInfo;

    public void Write(PayloadWriter writer) => writer.UInt32((uint)ShardCount).Int64(LeaderEpoch).Int64(FirstLsn).Int64(NextLsn);

    public static ShardInfo Read(ref PayloadReader reader) => new((int)reader.UInt32("shard count"), reader.Int64("leader epoch"), reader.Int64("first lsn"), reader.Int64("next lsn"));
}

/// <summary>
/// Feeder → follower: consecutive log records, seals included, exactly as the leader stores them:
/// <c>i64 first lsn | u32 record count | records</c>. Decoding checks only the shape; the follower's store
/// checks every record before it applies any (<see cref="LogStore.ApplyReplicatedAsync(int, LogChunk, CancellationToken)"/>).
/// </summary>
public readonly record struct Batch(LogChunk Records) : IProtocolMessage<Batch>
{
    public static MessageType Type => MessageType.Batch;

    public void Write(PayloadWriter writer) => writer.Int64(Records.FirstLsn).UInt32((uint)Records.Count).Fixed(Records.Bytes.Span);

    public static Batch Read(ref PayloadReader reader)
    {
        var first = reader.Int64("first lsn");
        var count = reader.UInt32("record count");
        if (first < 1)
        {
            throw new MalformedMessageException($"Batch: first LSN must be at least 1, got {first}");
        }

        if (count == 0 || count > (uint)reader.Remaining / RecordCodec.MinimumRecordSize)
        {
            throw new MalformedMessageException($"Batch: {count} records cannot fit in the {reader.Remaining} bytes that follow (each takes at least {RecordCodec.MinimumRecordSize})");
        }

        var records = reader.Rest;
        reader.Skip("records", records.Length);
        return new Batch(new LogChunk(first, (int)count, records));
    }
}

/// <summary>Follower → feeder: a batch is applied and committed.</summary>
public readonly record struct Ack(long AppliedCount, long LastLsn, RecordVersion MaxVersion) : IProtocolMessage<Ack>
{
    public static MessageType Type => MessageType.Ack;

    public void Write(PayloadWriter writer) => writer.Int64(AppliedCount).Int64(LastLsn).UInt64(MaxVersion.Timestamp).UInt64(MaxVersion.Origin);

    public static Ack Read(ref PayloadReader reader) => new(reader.Int64("applied count"), reader.Int64("last lsn"), new RecordVersion(reader.UInt64("max version timestamp"), reader.UInt64("max version origin")));
}

/// <summary>Either side, when idle. The feeder's carries its log's next LSN, so an idle follower still knows its lag.</summary>
public readonly record struct Heartbeat(long NextLsn) : IProtocolMessage<Heartbeat>
{
    public static MessageType Type => MessageType.Heartbeat;

    public void Write(PayloadWriter writer) => writer.Int64(NextLsn);

    public static Heartbeat Read(ref PayloadReader reader) => new(reader.Int64("next lsn"));
}

/// <summary>Feeder → follower: everything up to <see cref="Lsn"/> has been sent; the stream goes on live.</summary>
public readonly record struct CaughtUp(long Lsn) : IProtocolMessage<CaughtUp>
{
    public static MessageType Type => MessageType.CaughtUp;

    public void Write(PayloadWriter writer) => writer.Int64(Lsn);

    public static CaughtUp Read(ref PayloadReader reader) => new(reader.Int64("lsn"));
}
