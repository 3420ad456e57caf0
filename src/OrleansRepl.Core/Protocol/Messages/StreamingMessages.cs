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
}

/// <summary>Feeder → follower: the shard as the leader has it.</summary>
public readonly record struct ShardInfo(int ShardCount, long LeaderEpoch, long FirstLsn, long NextLsn) : IProtocolMessage<ShardInfo>
{
    public static MessageType Type => MessageType.ShardInfo;

    public void Write(PayloadWriter writer) => writer.UInt32((uint)ShardCount).Int64(LeaderEpoch).Int64(FirstLsn).Int64(NextLsn);

    public static ShardInfo Read(ref PayloadReader reader) => new((int)reader.UInt32("shard count"), reader.Int64("leader epoch"), reader.Int64("first lsn"), reader.Int64("next lsn"));
}

/// <summary>Feeder → follower: consecutive log records, seals included, each in its storage encoding.</summary>
public readonly record struct Batch(IReadOnlyList<LogRecord> Records) : IProtocolMessage<Batch>
{
    /// <summary>The largest record body a batch may carry: the store's default key and value limits.</summary>
    public static int MaxRecordBody { get; } = new StoreOptions().MaxBodyBytes;

    public static MessageType Type => MessageType.Batch;

    public void Write(PayloadWriter writer)
    {
        writer.UInt32((uint)Records.Count);
        var buffer = Array.Empty<byte>();
        foreach (var record in Records)
        {
            var length = RecordCodec.EncodedLength(record);
            if (buffer.Length < length)
            {
                buffer = new byte[Math.Max(length, 4096)];
            }

            RecordCodec.Encode(record, buffer);
            writer.Fixed(buffer.AsSpan(0, length));
        }
    }

    public static Batch Read(ref PayloadReader reader)
    {
        var count = reader.UInt32("record count");
        if (count > (uint)reader.Remaining / RecordCodec.MinimumRecordSize)
        {
            throw new MalformedMessageException($"Batch: {count} records cannot fit in the {reader.Remaining} bytes that follow");
        }

        var records = new List<LogRecord>((int)count);
        for (var i = 0; i < count; i++)
        {
            var status = RecordCodec.TryDecode(reader.Rest, MaxRecordBody, out var record, out var consumed, out _);
            if (status != DecodeStatus.Ok)
            {
                throw new MalformedMessageException($"Batch: record {i} of {count} is {status} ({reader.Remaining} bytes left)");
            }

            records.Add(record);
            reader.Skip("records", consumed);
        }

        return new Batch(records);
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
