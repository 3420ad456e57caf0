using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Merkle;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.AntiEntropy;

/// <summary>
/// An authenticated peer whose tree answers are not a tree: counts that do not add up, lists longer than claimed,
/// segments under the wrong node, a root claiming more than this node pulls. Each ends the cycle before a single
/// segment is asked for, naming what was wrong.
/// </summary>
public sealed class LyingPeerTests : IDisposable
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes(Bytes("lying peer tests shared secret 0123456789"));
    private static readonly AntiEntropyOptions Options = new() { ListThreshold = 4, MaxPeerSegments = 10_000, RequestTimeout = TimeSpan.FromSeconds(10) };
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AListLongerThanItsNodeClaimed_IsRefused()
    {
        var hashes = Hashes(1000);
        var error = await RunAgainstAsync(new Root(Hash(1), 3), (_, _) => new SegmentList(hashes));
        Assert.Contains("SegmentList of root: 1000 segments, but root was said to cover 3", error);
    }

    [Fact]
    public async Task ChildrenWhoseCountsDoNotAddUp_AreRefused()
    {
        var error = await RunAgainstAsync(new Root(Hash(1), 100), (_, _) => new Children([.. Enumerable.Range(0, SegmentSetTree.Fanout).Select(d => new TreeNode(Hash(d + 10), 1_000_000))]));
        Assert.Contains("Children of root: their counts add up to 16000000 segments, but root was said to cover 100", error);
    }

    [Fact]
    public async Task ASegmentListedUnderAnotherNode_IsRefused()
    {
        // Root covers 32: its children are asked; child 3 claims 2, and lists two segments that start with other digits.
        var wrong = Hashes(64).Where(h => !new TreePath(new byte[] { 3 }).Covers(h)).Take(2).ToArray();
        var error = await RunAgainstAsync(new Root(Hash(1), 32), (path, _) => path.Depth == 0
            ? new Children([.. Enumerable.Range(0, SegmentSetTree.Fanout).Select(d => new TreeNode(Hash(d + 10), d == 3 ? 2 : d == 4 ? 30 : 0))])
            : new SegmentList(wrong));
        Assert.Contains($"SegmentList of 3: segment {wrong[0]} does not belong under 3", error);
    }

    [Fact]
    public async Task ASegmentListedTwice_IsRefused()
    {
        var twice = Hashes(1).Concat(Hashes(1)).ToArray();
        var error = await RunAgainstAsync(new Root(Hash(1), 2), (_, _) => new SegmentList(twice));
        Assert.Contains($"SegmentList of root: segment {twice[0]} is listed twice", error);
    }

    [Fact]
    public async Task ARootClaimingMoreThanThisNodePulls_IsRefusedBeforeAnyDescent()
    {
        var error = await RunAgainstAsync(new Root(Hash(1), 10_001), (_, _) => throw new InvalidOperationException("no descent was expected"));
        Assert.Contains("the peer claims 10001 segments, more than the 10000 this node pulls from one peer (AntiEntropy:MaxPeerSegments)", error);
    }

    [Theory]
    [InlineData("rate")]
    [InlineData("deadline")]
    public async Task APeerTricklingASegment_EachPieceInTime_EndsTheCycleAtTheMinimumRate_OrTheDeadline(string limit)
    {
        var segment = new byte[100_000];
        var hash = Blake3Hasher.Hash(segment);
        var options = limit == "rate"
            ? Options with { ProgressWindow = TimeSpan.FromMilliseconds(500) }
            : Options with { ProgressWindow = TimeSpan.FromHours(1), CycleDeadline = TimeSpan.FromMilliseconds(700) };
        var (error, _) = await RunAgainstAsync<TransferTooSlowException>(new Root(Hash(1), 1), (_, _) => new SegmentList([hash]), options, async (connection, cancellationToken) =>
        {
            for (var offset = 0; offset < segment.Length; offset += 10)
            {
                await connection.SendAsync(new SegmentChunk(hash, segment.Length, offset, segment.AsMemory(offset, 10), offset + 10 == segment.Length), cancellationToken);
                await Task.Delay(50, cancellationToken);
            }
        });
        Assert.Contains(limit == "rate" ? "less than the 1048576 it must in" : "past its deadline of 1 s (AntiEntropy:CycleDeadline)", error);
        Assert.Contains("the next cycle resumes what is still pending", error);
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Runs one cycle against a peer that answers the root with <paramref name="root"/> and every node request with <paramref name="answer"/>; the cycle's error.</summary>
    private async Task<string> RunAgainstAsync(Root root, Func<TreePath, bool, object> answer)
    {
        var (error, segmentsAsked) = await RunAgainstAsync<MalformedMessageException>(root, answer, Options, null);
        Assert.Equal(0, segmentsAsked);
        return error;
    }

    /// <summary>
    /// Runs one cycle against a hand-made peer: it proves the secret, answers the root with <paramref name="root"/>, every node
    /// request with <paramref name="answer"/>, and a segment request with <paramref name="serveSegment"/> (or hangs up).
    /// Returns the cycle's error and how many segments were asked for; checks nothing was applied or left pending.
    /// </summary>
    private async Task<(string Error, int SegmentsAsked)> RunAgainstAsync<TException>(Root root, Func<TreePath, bool, object> answer, AntiEntropyOptions options, Func<FrameConnection, CancellationToken, Task>? serveSegment)
        where TException : Exception
    {
        await using var store = LogStore.Open(_directory.File("store"), new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never, SegmentRollBytes = 4096 });
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var segmentsAsked = 0;
        var peer = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            await using var connection = FrameConnection.Over(socket);
            await Handshake.AcceptAsync(connection, new NodeCredentials("c", "liar", Secret), CancellationToken.None);
            try
            {
                while (true)
                {
                    var frame = await connection.ReadAsync(stop.Token);
                    switch (frame.Type)
                    {
                        case MessageType.RootRequest:
                            await connection.SendAsync(root, stop.Token);
                            break;
                        case MessageType.ChildrenRequest:
                            await SendAsync(connection, answer(ProtocolMessage.Decode<ChildrenRequest>(frame).Node, false));
                            break;
                        case MessageType.ListRequest:
                            await SendAsync(connection, answer(ProtocolMessage.Decode<ListRequest>(frame).Node, true));
                            break;
                        default:
                            segmentsAsked++;
                            if (serveSegment is null)
                            {
                                return;
                            }

                            await serveSegment(connection, stop.Token);
                            break;
                    }
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ProtocolException or OperationCanceledException)
            {
                // The puller hung up.
            }
        });

        var cursors = new FilePeerCursorStore(_directory.File("cursors"));
        var loop = new AntiEntropyLoop(store, listener.LocalEndpoint, new NodeCredentials("c", "puller", Secret), options, cursors, null, NullLogger<AntiEntropyLoop>.Instance);
        var error = await Assert.ThrowsAsync<TException>(() => loop.RunOnceAsync(CancellationToken.None));
        await stop.CancelAsync();
        await peer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(store.ListSegments());
        return (error.Message, segmentsAsked);
    }

    private static ValueTask SendAsync(FrameConnection connection, object message) => message switch
    {
        Children children => connection.SendAsync(children, CancellationToken.None),
        SegmentList list => connection.SendAsync(list, CancellationToken.None),
        _ => throw new ArgumentException($"not an answer: {message}"),
    };

    private static Blake3Hash Hash(int seed) => Blake3Hasher.Hash(BitConverter.GetBytes(seed));

    private static Blake3Hash[] Hashes(int count) => [.. Enumerable.Range(1000, count).Select(Hash).Order()];
}
