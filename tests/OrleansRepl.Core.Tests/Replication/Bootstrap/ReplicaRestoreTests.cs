using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.Bootstrap;

/// <summary>Replacing a store by a leader's snapshot: the old store stays in place until the new one is verified, then is set aside.</summary>
public sealed class ReplicaRestoreTests : IDisposable
{
    private static readonly ClusterSecret Secret = ClusterSecret.FromBytes(Bytes("restore tests shared secret 0123456789"));
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task ARestoreThatCannotReachItsSource_LeavesTheOldStoreExactlyWhereItWas()
    {
        var replica = await OldStoreAsync();
        var before = DirectoryFingerprint.Of(replica);
        var unreachable = new IPEndPoint(IPAddress.Loopback, LoopbackPort.Free());
        using var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents"));
        var puller = new SnapshotPuller(unreachable, Credentials("replica"), new BootstrapOptions { MaxAttempts = 1, RequestTimeout = TimeSpan.FromSeconds(2) }, intents, NullLogger<SnapshotPuller>.Instance);

        await Assert.ThrowsAnyAsync<Exception>(() => ReplicaRestore.RestoreAsync(replica, Options, puller, null, CancellationToken.None, asideLabel: "damaged"));
        Assert.Equal(before, DirectoryFingerprint.Of(replica));
        Assert.Empty(Directory.GetDirectories(_directory.Path, "replica.damaged-*"));
    }

    [Fact]
    public async Task ARestore_SwapsInTheVerifiedSnapshot_AndSetsTheOldStoreAsideWhole()
    {
        var replica = await OldStoreAsync();
        var before = DirectoryFingerprint.Of(replica);
        await using var leader = LogStore.Open(_directory.File("leader"), Options);
        await leader.WriteAsync(Enumerable.Range(0, 2000).Select(i => WriteOperation.Put(Bytes($"leader-{i}"), Bytes("v"))).ToList());
        using var snapshots = new SnapshotSource(leader, Credentials("leader"), new SnapshotSourceOptions(), NullLogger<SnapshotSource>.Instance);
        await using var feeder = new Feeder(leader, Credentials("leader"), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance, snapshots);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        using var intents = FileBootstrapIntentLog.Open(_directory.File("replica.intents"));
        var puller = new SnapshotPuller(feeder.EndPoint, Credentials("replica"), new BootstrapOptions(), intents, NullLogger<SnapshotPuller>.Instance);

        var (result, aside) = await ReplicaRestore.RestoreAsync(replica, Options, puller, null, CancellationToken.None, asideLabel: "damaged");
        Assert.StartsWith(replica + ".damaged-", aside);
        Assert.Equal(before, DirectoryFingerprint.Of(aside!));
        Assert.False(Directory.Exists(replica + ".restore"));
        await using var restored = LogStore.Open(replica, Options);
        Assert.Equal(result.StoreRoot, await restored.StoreRootAsync());
        Assert.Equal("v", Text(restored.Get(Bytes("leader-1999"))));
        Assert.Null(restored.Get(Bytes("old-0")));
    }

    public void Dispose() => _directory.Dispose();

    private static StoreOptions Options => new() { ShardCount = 2, Fsync = FsyncMode.Never };

    private static NodeCredentials Credentials(string node) => new("c", node, Secret);

    private async Task<string> OldStoreAsync()
    {
        var path = _directory.File("replica");
        await using var store = LogStore.Open(path, Options);
        await store.WriteAsync(Enumerable.Range(0, 300).Select(i => WriteOperation.Put(Bytes($"old-{i}"), Bytes("kept aside"))).ToList());
        return path;
    }
}
