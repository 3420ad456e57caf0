using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Peers;
using OrleansRepl.TestKit;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Tests.Peers;

/// <summary>The peer grain as the anti-entropy loop's cursor store, against a real feeder.</summary>
public sealed class PeerGrainTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AnAntiEntropyPull_LeavesItsCursorInThePeerGrain_AcrossReactivation()
    {
        var options = new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never, SegmentRollBytes = 4096 };
        await using var peer = LogStore.Open(_directory.File("peer"), options);
        await peer.WriteAsync(Enumerable.Range(0, 600).Select(i => WriteOperation.Put(System.Text.Encoding.UTF8.GetBytes($"k{i}"), new byte[40])).ToList());
        await peer.SealAllAsync();
        await using var local = LogStore.Open(_directory.File("local"), options);
        var secret = ClusterSecret.FromBytes(System.Text.Encoding.UTF8.GetBytes("peer grain test secret 0123456789"));
        await using var feeder = new Feeder(peer, new NodeCredentials("c", "node-p", secret), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));

        await using (var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["node-l"]))
        {
            await silo.Grains.Peer("node-l", "node-p").ConfigureAsync(feeder.EndPoint.ToString(), 30);
            var loop = new AntiEntropyLoop(local, feeder.EndPoint, new NodeCredentials("c", "node-l", secret), new AntiEntropyOptions(), new GrainPeerCursorStore(silo.Grains, "node-l"), null, NullLogger<AntiEntropyLoop>.Instance);
            var report = await loop.RunOnceAsync(CancellationToken.None);
            Assert.Equal(peer.ListSegments().Count, report.Applied);
        }

        await using var again = await GrainSilo.StartAsync(_directory.File("grains.db"), ["node-l"]);
        var status = await again.Grains.Peer("node-l", "node-p").GetStatusAsync();
        Assert.Equal((feeder.EndPoint.ToString(), peer.ListSegments().Count, 0, peer.MerkleRoot().ToString()), (status.Address, (int)status.SegmentsAppliedTotal, status.SegmentsPending, status.LastKnownPeerRoot));
        Assert.NotNull(status.LastAttempt);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
