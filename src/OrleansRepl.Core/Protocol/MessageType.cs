namespace OrleansRepl.Core.Protocol;

/// <summary>The type byte of a frame. The values are the wire format.</summary>
public enum MessageType : byte
{
    // Connection
    Challenge = 0x01,
    Hello = 0x02,
    Welcome = 0x03,
    Error = 0x04,

    // Streaming
    SyncRequest = 0x10,
    ShardInfo = 0x11,
    Batch = 0x12,
    Ack = 0x13,
    Heartbeat = 0x14,
    CaughtUp = 0x15,

    // Syncup
    EntryRequest = 0x20,
    Entry = 0x21,
    EntryNotFound = 0x22,
    AlternateMatchpoint = 0x23,
    StartStream = 0x24,
    RestoreRequest = 0x25,
    RestoreResponse = 0x26,

    // Anti-entropy
    RootRequest = 0x30,
    Root = 0x31,
    ChildrenRequest = 0x32,
    Children = 0x33,
    ListRequest = 0x34,
    SegmentList = 0x35,
    SegmentRequest = 0x36,
    SegmentChunk = 0x37,
    SegmentNotFound = 0x38,

    // Snapshot bootstrap
    SnapshotRequest = 0x40,
    SnapshotPiece = 0x41,
}
