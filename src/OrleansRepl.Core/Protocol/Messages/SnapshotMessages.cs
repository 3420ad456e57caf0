using OrleansRepl.Core.Replication.Bootstrap;

namespace OrleansRepl.Core.Protocol.Messages;

/// <summary>
/// Sink → source: send the snapshot pinned under <see cref="Token"/> from <see cref="Offset"/> on; an empty
/// token asks for a new snapshot from offset 0.
/// </summary>
public readonly record struct SnapshotRequest(string Token, long Offset) : IProtocolMessage<SnapshotRequest>
{
    public static MessageType Type => MessageType.SnapshotRequest;

    public void Write(PayloadWriter writer) => writer.Text(Token).Int64(Offset);

    public static SnapshotRequest Read(ref PayloadReader reader)
    {
        var request = new SnapshotRequest(reader.Text("token"), reader.Int64("offset"));
        return request.Offset < 0 || (request.Token.Length == 0 && request.Offset != 0)
            ? throw new MalformedMessageException($"SnapshotRequest: offset {request.Offset} {(request.Offset < 0 ? "is negative" : "needs a token: a new snapshot starts at 0")}")
            : request;
    }
}

/// <summary>Source → sink: one <see cref="SnapshotEnvelope"/>.</summary>
public readonly record struct SnapshotPiece(SnapshotEnvelope Envelope) : IProtocolMessage<SnapshotPiece>
{
    public static MessageType Type => MessageType.SnapshotPiece;

    public void Write(PayloadWriter writer)
    {
        var e = Envelope;
        writer.Text(e.SourceCluster).Text(e.SourceNode).Text(e.Token).UInt32((uint)e.SnapshotLsns.Count);
        foreach (var lsn in e.SnapshotLsns)
        {
            writer.Int64(lsn);
        }

        writer.Int64(e.TotalBytes).Hash(e.StoreRoot).Int64(e.Offset).Bytes(e.Data.Span).UInt8(e.Done ? (byte)1 : (byte)0);
    }

    public static SnapshotPiece Read(ref PayloadReader reader)
    {
        var cluster = reader.Text("source cluster");
        var node = reader.Text("source node");
        var token = reader.Text("token");
        var shards = reader.UInt32("shard count");
        if (shards > (uint)reader.Remaining / sizeof(long))
        {
            throw new MalformedMessageException($"SnapshotPiece: {shards} shard LSNs cannot fit in the {reader.Remaining} bytes that follow");
        }

        var lsns = new long[shards];
        for (var i = 0; i < lsns.Length; i++)
        {
            lsns[i] = reader.Int64("shard lsn");
        }

        var total = reader.Int64("total bytes");
        var root = reader.Hash("store root");
        var offset = reader.Int64("offset");
        var data = reader.Bytes("data", reader.Remaining);
        var done = reader.UInt8("done");
        if (total < 0 || offset < 0 || offset + data.Length > total || done > 1)
        {
            throw new MalformedMessageException($"SnapshotPiece: {data.Length} bytes at offset {offset} do not fit a {total}-byte snapshot (done = {done})");
        }

        if (data.Length == 0 && done == 0)
        {
            // An empty piece that is not the last moves nothing: a source sending them could hold a bootstrap open forever.
            throw new MalformedMessageException($"SnapshotPiece: an empty piece at offset {offset} of a {total}-byte snapshot that is not the last");
        }

        return new SnapshotPiece(new SnapshotEnvelope(cluster, node, token, lsns, total, root, offset, data, done == 1));
    }
}
