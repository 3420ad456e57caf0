using System.Buffers;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Merkle;
using OrleansRepl.Core.Storage.Snapshots;
using ErrorCode = OrleansRepl.Core.Protocol.ErrorCode;

namespace OrleansRepl.Fuzzing;

/// <summary>
/// Every decoder that reads bytes from outside the process, as fuzz targets: frames, each message of each family
/// (the handshake's among them), snapshot headers, segment chunks and imports, the KV batch body, manifests, cursor
/// and intent files. Made in a work directory of its own, removed on disposal.
/// </summary>
public sealed class DecoderTargets : IAsyncDisposable
{
    private readonly string _directory;
    private readonly LogStore _source;
    private readonly LogStore _importer;

    private DecoderTargets(string directory, LogStore source, LogStore importer) => (_directory, _source, _importer) = (directory, source, importer);

    public IReadOnlyList<FuzzTarget> Targets { get; private set; } = [];

    public static async Task<DecoderTargets> CreateAsync()
    {
        var directory = Directory.CreateTempSubdirectory("orepl-fuzz-").FullName;
        var options = new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never, SegmentRollBytes = 4096, NodeOrigin = 1 };
        var targets = new DecoderTargets(directory, LogStore.Open(Path.Combine(directory, "source"), options), LogStore.Open(Path.Combine(directory, "importer"), options with { NodeOrigin = 2 }));
        await targets.BuildAsync();
        return targets;
    }

    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync();
        await _importer.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task BuildAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            await _source.WriteAsync([.. Enumerable.Range(i * 40, 40).Select(k => WriteOperation.Put(Bytes($"key-{k}"), Bytes($"value {k} {new string('x', k % 50)}")))]);
        }

        await _source.WriteAsync([WriteOperation.Delete(Bytes("key-3"))]);
        await _source.SealAllAsync();
        var segments = new List<byte[]>();
        foreach (var segment in _source.ListSegments())
        {
            segments.Add(await _source.ReadSegmentAsync(segment.Hash) ?? throw new InvalidOperationException($"segment {segment.Hash} vanished"));
        }

        var chunk = await _source.ReadLogChunkAsync(0, 1, 50, 1 << 20);
        var snapshot = new MemoryStream();
        var info = await _source.ExportSnapshotAsync(snapshot);
        var hash = Blake3Hasher.Hash("segment"u8);
        var cursors = new FileCursorStore(Path.Combine(_directory, "follower-cursor")); // the directory Files writes into
        var peerCursors = new FilePeerCursorStore(Path.Combine(_directory, "peer-cursor"));
        Targets =
        [
            Frames(),
            Message(new Challenge(2, new byte[32])),
            Message(new Hello(2, "cluster", "node-1", new byte[32], new byte[32])),
            Message(new Welcome("node-2", new byte[32])),
            Message(new ErrorMessage(ErrorCode.Epoch, "epoch 3 is older than 5")),
            Message(new SyncRequest(1, 2, SyncFlags.EmptyState, 7, 2)),
            Message(new ShardInfo(2, 9, 1, 12345)),
            Message(new Batch(chunk)),
            Message(new Ack(100, 5000, new RecordVersion(123, 4))),
            Message(new Heartbeat(77)),
            Message(new CaughtUp(88)),
            Message(new EntryRequest(42)),
            Message(new Entry(42, 0xDEADBEEF)),
            Message(default(EntryNotFound)),
            Message(new AlternateMatchpoint(40, 7)),
            Message(new StartStream(43)),
            Message(new RestoreRequest(44)),
            Message(default(RestoreResponse)),
            Message(default(RootRequest)),
            Message(new Root(hash, 12)),
            Message(new ChildrenRequest(new TreePath(new byte[] { 3, 15 }))),
            Message(new Children([.. Enumerable.Range(0, SegmentSetTree.Fanout).Select(d => new TreeNode(hash, d))])),
            Message(new ListRequest(new TreePath(new byte[] { 1 }))),
            Message(new SegmentList([hash, Blake3Hasher.Hash("other"u8)])),
            Message(new SegmentRequest(hash)),
            Message(new SegmentChunk(hash, segments[0].Length, 0, segments[0], Last: true), new SegmentChunk(hash, 100, 40, new byte[20], Last: false)),
            Message(new SegmentNotFound(hash)),
            Message(new SnapshotRequest("token-1", 4096)),
            Message(new SnapshotPiece(new SnapshotEnvelope("cluster", "node-1", "token-1", info.ShardLsns, snapshot.Length, info.StoreRoot, 0, snapshot.ToArray().AsMemory(0, 256), Done: false))),
            SnapshotHeaders(snapshot.ToArray()),
            SegmentImports(segments),
            KeyValueBatches(),
            Files("segment manifest", [Bytes("""{"NextLsn":41,"Segments":[{"Hash":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","FirstLsn":1,"LastLsn":40,"Bytes":4000,"Records":40,"Imported":false}]}""")],
                path => SegmentManifest.LoadOrEmpty(Path.GetDirectoryName(path)!), e => e is StorageException, SegmentManifest.FileName),
            Files("store manifest", [Bytes("""{"FormatVersion":1,"ShardCount":4}""")], path => StoreManifest.Load(Path.GetDirectoryName(path)!), e => e is StorageException, StoreManifest.FileName),
            Files("follower cursor", [Bytes("""{"LastAppliedLsn":12,"AppliedTotal":12,"MaxVersion":{"Timestamp":5,"Origin":2}}""")],
                _ => cursors.LoadAsync(0, default).AsTask().GetAwaiter().GetResult(), e => e is InvalidDataException, "cursor-000.json"),
            Files("peer cursor", [Bytes($$"""{"LastKnownPeerRoot":"{{hash}}","SegmentsPending":["{{hash}}"],"LastAttempt":null,"SegmentsAppliedTotal":3}""")],
                _ => peerCursors.LoadAsync("peer", default).AsTask().GetAwaiter().GetResult(), e => e is InvalidDataException, "peer-peer.json"),
            IntentLogs(),
        ];
    }

    private static FuzzTarget Frames()
    {
        var seeds = new List<byte[]>();
        foreach (var (type, payload) in new[] { (MessageType.Heartbeat, ProtocolMessage.Encode(new Heartbeat(9))), (MessageType.Error, ProtocolMessage.Encode(new ErrorMessage(ErrorCode.Internal, "no"))), (MessageType.Ack, ProtocolMessage.Encode(new Ack(1, 2, default))) })
        {
            var writer = new ArrayBufferWriter<byte>();
            FrameCodec.Write(writer, type, payload);
            FrameCodec.Write(writer, type, payload);
            seeds.Add(writer.WrittenSpan.ToArray());
        }

        return new FuzzTarget("frame", seeds, input =>
        {
            var buffer = new ReadOnlySequence<byte>(input);
            var frames = 0;
            while (FrameCodec.TryRead(ref buffer, 64 << 10, out _))
            {
                frames++;
            }

            return frames > 0 ? FuzzVerdict.Accepted : FuzzVerdict.Rejected;
        }, e => e is ProtocolException);
    }

    private static FuzzTarget Message<T>(params T[] samples)
        where T : struct, IProtocolMessage<T> =>
        new($"message {T.Type}", [.. samples.Select(s => ProtocolMessage.Encode(s))], input =>
        {
            ProtocolMessage.Decode<T>(new Frame(T.Type, input));
            return FuzzVerdict.Accepted;
        }, e => e is ProtocolException);

    private static FuzzTarget SnapshotHeaders(byte[] snapshot) =>
        new("snapshot header", [snapshot[..Math.Min(snapshot.Length, 4096)]], input =>
            SnapshotLayout.TryParse(input, out _) ? FuzzVerdict.Accepted : FuzzVerdict.Rejected, e => e is SnapshotCorruptException);

    /// <summary>
    /// Imports each input as a segment whose hash it matches, so the BLAKE3 check passes and every record is parsed.
    /// A refused segment must leave the store exactly as it was.
    /// </summary>
    private FuzzTarget SegmentImports(IReadOnlyList<byte[]> segments) =>
        new("segment import", segments, input =>
        {
            var before = (_importer.ListSegments().Count, _importer.MerkleRoot());
            var result = _importer.ImportSegmentAsync(input, Blake3Hasher.Hash(input)).AsTask().GetAwaiter().GetResult();
            if (result is SegmentImportResult.Applied or SegmentImportResult.Skipped)
            {
                return FuzzVerdict.Accepted;
            }

            return (_importer.ListSegments().Count, _importer.MerkleRoot()) == before ? FuzzVerdict.Rejected : FuzzVerdict.AppliedThoughRejected;
        }, e => e is StorageException or InvalidDataException);

    private static FuzzTarget KeyValueBatches()
    {
        using var body = new MemoryStream();
        KeyValueBatch.Write(body, "a"u8, "first"u8);
        KeyValueBatch.Write(body, "b/c"u8, ""u8);
        KeyValueBatch.Write(body, [0, 255], new byte[300]);
        var limits = new StoreOptions { MaxKeyBytes = 64, MaxValueBytes = 1024 };
        return new FuzzTarget("kv batch body", [body.ToArray()], input =>
            KeyValueBatch.Parse(input, limits, maxOperations: 16).Operations is null ? FuzzVerdict.Rejected : FuzzVerdict.Accepted, _ => false);
    }

    /// <summary>A decoder of a small file: each input is written to the file, then read back by <paramref name="read"/>.</summary>
    private FuzzTarget Files(string name, IReadOnlyList<byte[]> seeds, Action<string> read, Func<Exception, bool> isRefusal, string fileName = "file")
    {
        var directory = Path.Combine(_directory, name.Replace(' ', '-'));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, fileName);
        return new FuzzTarget(name, seeds, input =>
        {
            File.WriteAllBytes(path, input);
            read(path);
            return FuzzVerdict.Accepted;
        }, isRefusal);
    }

    private FuzzTarget IntentLogs()
    {
        var directory = Path.Combine(_directory, "intents");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "intents.log");
        using (var log = FileBootstrapIntentLog.Open(path))
        {
            var intent = log.BeginAsync("replica", "source", default).AsTask().GetAwaiter().GetResult();
            log.CheckpointAsync(intent, new BootstrapCheckpoint("token-1", 4096, 0xABCD, 0, 0), default).AsTask().GetAwaiter().GetResult();
        }

        var seed = File.ReadAllBytes(path);
        return new FuzzTarget("bootstrap intent log", [seed], input =>
        {
            File.WriteAllBytes(path, input);
            using var log = FileBootstrapIntentLog.Open(path);
            log.ListUnfinishedAsync(default).AsTask().GetAwaiter().GetResult();
            return FuzzVerdict.Accepted;
        }, e => e is StorageException);
    }

    private static byte[] Bytes(string text) => System.Text.Encoding.UTF8.GetBytes(text);
}
