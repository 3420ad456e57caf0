namespace OrleansRepl.Core.Protocol.Messages;

/// <summary>Replica → feeder: what is your entry at <see cref="Lsn"/>? (a sync point the replica holds).</summary>
public readonly record struct EntryRequest(long Lsn) : IProtocolMessage<EntryRequest>
{
    public static MessageType Type => MessageType.EntryRequest;

    public void Write(PayloadWriter writer) => writer.Int64(Lsn);

    public static EntryRequest Read(ref PayloadReader reader) => new(reader.Int64("lsn"));
}

/// <summary>Feeder → replica: the entry at <see cref="Lsn"/> and its fingerprint (the record's body checksum).</summary>
public readonly record struct Entry(long Lsn, uint Fingerprint) : IProtocolMessage<Entry>
{
    public static MessageType Type => MessageType.Entry;

    public void Write(PayloadWriter writer) => writer.Int64(Lsn).UInt32(Fingerprint);

    public static Entry Read(ref PayloadReader reader) => new(reader.Int64("lsn"), reader.UInt32("fingerprint"));
}

/// <summary>Feeder → replica: the leader holds no entry at the requested LSN.</summary>
public readonly record struct EntryNotFound : IProtocolMessage<EntryNotFound>
{
    public static MessageType Type => MessageType.EntryNotFound;

    public void Write(PayloadWriter writer)
    {
    }

    public static EntryNotFound Read(ref PayloadReader reader) => default;
}

/// <summary>Feeder → replica, first response only: the requested LSN is beyond the leader's log; try this sync point instead.</summary>
public readonly record struct AlternateMatchpoint(long Lsn, uint Fingerprint) : IProtocolMessage<AlternateMatchpoint>
{
    public static MessageType Type => MessageType.AlternateMatchpoint;

    public void Write(PayloadWriter writer) => writer.Int64(Lsn).UInt32(Fingerprint);

    public static AlternateMatchpoint Read(ref PayloadReader reader) => new(reader.Int64("lsn"), reader.UInt32("fingerprint"));
}

/// <summary>Replica → feeder: the matchpoint is settled; stream from <see cref="FromLsn"/>.</summary>
public readonly record struct StartStream(long FromLsn) : IProtocolMessage<StartStream>
{
    public static MessageType Type => MessageType.StartStream;

    public void Write(PayloadWriter writer) => writer.Int64(FromLsn);

    public static StartStream Read(ref PayloadReader reader) => new(reader.Int64("from lsn"));
}

/// <summary>Replica → feeder: no usable matchpoint (or the rollback would be too deep); the replica needs a snapshot.</summary>
public readonly record struct RestoreRequest(long FailedLsn) : IProtocolMessage<RestoreRequest>
{
    public static MessageType Type => MessageType.RestoreRequest;

    public void Write(PayloadWriter writer) => writer.Int64(FailedLsn);

    public static RestoreRequest Read(ref PayloadReader reader) => new(reader.Int64("failed lsn"));
}

/// <summary>Feeder → replica: restore acknowledged; the connection ends and bootstrap takes over.</summary>
public readonly record struct RestoreResponse : IProtocolMessage<RestoreResponse>
{
    public static MessageType Type => MessageType.RestoreResponse;

    public void Write(PayloadWriter writer)
    {
    }

    public static RestoreResponse Read(ref PayloadReader reader) => default;
}
