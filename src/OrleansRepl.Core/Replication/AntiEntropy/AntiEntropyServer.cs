using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>
/// The served side of a pull: answers root, children, list and segment requests from one snapshot of the
/// segment-set tree taken when the session opens, so a descent sees one consistent set.
/// </summary>
public static class AntiEntropyServer
{
    /// <summary>Serves requests, starting with <paramref name="first"/>, until the puller closes the connection.</summary>
    public static async Task ServeAsync(FrameConnection connection, IReplicaStore store, Frame first, int chunkBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(store);
        var tree = store.SegmentTree();
        var frame = first;
        while (true)
        {
            switch (frame.Type)
            {
                case MessageType.RootRequest:
                    ProtocolMessage.Decode<RootRequest>(frame);
                    await connection.SendAsync(new Root(tree.Root, tree.Count), cancellationToken);
                    break;

                case MessageType.ChildrenRequest:
                    var expand = ProtocolMessage.Decode<ChildrenRequest>(frame).Node;
                    await connection.SendAsync(new Children(tree.ChildNodes(expand.Depth, expand.Digits.Span)), cancellationToken);
                    break;

                case MessageType.ListRequest:
                    var list = ProtocolMessage.Decode<ListRequest>(frame).Node;
                    var hashes = tree.HashesUnder(list.Depth, list.Digits.Span);
                    if (hashes.Count > SegmentList.MaxHashes)
                    {
                        await connection.FailAsync(ErrorCode.Protocol, $"node {list} covers {hashes.Count} segments, more than the {SegmentList.MaxHashes} one list may carry; ask for its children");
                        return;
                    }

                    await connection.SendAsync(new SegmentList(hashes), cancellationToken);
                    break;

                case MessageType.SegmentRequest:
                    await SendSegmentAsync(connection, store, ProtocolMessage.Decode<SegmentRequest>(frame).Hash, chunkBytes, cancellationToken);
                    break;

                default:
                    throw new UnexpectedMessageException(frame.Type, "RootRequest, ChildrenRequest, ListRequest or SegmentRequest");
            }

            try
            {
                frame = await connection.ReadAsync(cancellationToken);
            }
            catch (ConnectionClosedException)
            {
                return; // the puller is done
            }
        }
    }

    /// <summary>Whether <paramref name="type"/> opens an anti-entropy session.</summary>
    public static bool Opens(MessageType type) =>
        type is MessageType.RootRequest or MessageType.ChildrenRequest or MessageType.ListRequest or MessageType.SegmentRequest;

    private static async Task SendSegmentAsync(FrameConnection connection, IReplicaStore store, Hashing.Blake3Hash hash, int chunkBytes, CancellationToken cancellationToken)
    {
        // The path comes from the store's own manifest, looked up by hash; the peer's bytes never name a file.
        if (await store.ReadSegmentAsync(hash, cancellationToken) is not { } bytes)
        {
            await connection.SendAsync(new SegmentNotFound(hash), cancellationToken);
            return;
        }

        var offset = 0;
        do
        {
            var length = Math.Min(chunkBytes, bytes.Length - offset);
            await connection.SendAsync(new SegmentChunk(hash, bytes.Length, offset, bytes.AsMemory(offset, length), offset + length == bytes.Length), cancellationToken);
            offset += length;
        }
        while (offset < bytes.Length);
    }
}
