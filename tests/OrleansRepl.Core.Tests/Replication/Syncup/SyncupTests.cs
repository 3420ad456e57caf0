using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Syncup;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;
using static OrleansRepl.TestKit.Utf8;

namespace OrleansRepl.Core.Tests.Replication.Syncup;

/// <summary>Syncup between real stores over a real loopback connection, then the outcome applied.</summary>
public sealed class SyncupTests : IDisposable
{
    private const int Shard = 0;
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task IdenticalLogs_MatchAtTheEnd_NothingRolledBack()
    {
        await using var leader = Store("leader", 1);
        await using var replica = Store("replica", 2);
        await WriteAsync(leader, "a", 20);
        await CopyPrefixAsync(leader, replica, 20);

        var (outcome, start) = await SyncupAsync(leader, replica);
        Assert.Equal(new SyncupOutcome.Matchpoint(20, 0), outcome);
        Assert.Equal(21, start);
    }

    [Fact]
    public async Task AReplicaAheadOfTheLeader_TakesTheAlternateMatchpoint_AndDropsItsExtraTail()
    {
        await using var leader = Store("leader", 1);
        await using var replica = Store("replica", 2);
        await WriteAsync(leader, "a", 20);
        await CopyPrefixAsync(leader, replica, 20);
        await WriteAsync(replica, "never-replicated", 5);

        var (outcome, start) = await SyncupAsync(leader, replica);
        Assert.Equal(new SyncupOutcome.Matchpoint(20, 5), outcome);
        Assert.Equal(21, start);
        await ApplyAsync(leader, replica, outcome);
        Assert.Equal(await leader.StoreRootAsync(), await replica.StoreRootAsync());
        Assert.Null(replica.Get(Bytes("never-replicated-0")));
    }

    [Fact]
    public async Task ADivergedReplica_FollowingANewLeader_RollsBackToTheSharedPrefix_AndEndsEqual()
    {
        // A wrote 10 records; B replicated them and then took 5 writes of its own that were never replicated.
        // C, the new leader, also holds A's 10 and has since written 8 more.
        await using var a = Store("a", 1);
        await using var b = Store("b", 2);
        await using var c = Store("c", 3);
        await WriteAsync(a, "shared", 10);
        await CopyPrefixAsync(a, b, 10);
        await CopyPrefixAsync(a, c, 10);
        await WriteAsync(b, "b-only", 5);
        await WriteAsync(c, "c-new", 8);

        var (outcome, start) = await SyncupAsync(c, b);
        Assert.Equal(new SyncupOutcome.Matchpoint(10, 5), outcome);
        Assert.Equal(11, start);
        await ApplyAsync(c, b, outcome);
        Assert.Equal(await c.StoreRootAsync(), await b.StoreRootAsync());
        Assert.Null(b.Get(Bytes("b-only-0")));
        Assert.NotNull(b.Get(Bytes("c-new-7")));
    }

    [Fact]
    public async Task AnEmptyReplica_StreamsFromTheStart()
    {
        await using var leader = Store("leader", 1);
        await using var replica = Store("replica", 2);
        await WriteAsync(leader, "a", 15);

        var (outcome, start) = await SyncupAsync(leader, replica);
        Assert.Equal(new SyncupOutcome.Matchpoint(0, 0), outcome);
        Assert.Equal(1, start);
        await ApplyAsync(leader, replica, outcome);
        Assert.Equal(await leader.StoreRootAsync(), await replica.StoreRootAsync());
    }

    [Fact]
    public async Task AnEmptyReplica_OfAnEmptyLeader_StreamsFromTheStart()
    {
        await using var leader = Store("leader", 1);
        await using var replica = Store("replica", 2);

        var (outcome, start) = await SyncupAsync(leader, replica);
        Assert.Equal(new SyncupOutcome.Matchpoint(0, 0), outcome);
        Assert.Equal(1, start);
    }

    [Fact]
    public async Task AnEmptyReplica_OfALeaderWhoseLogNoLongerStartsAtOne_NeedsARestore()
    {
        await using var leader = Store("leader", 1);
        await using var replica = Store("replica", 2);
        await WriteAsync(leader, "a", 15);

        var (outcome, start) = await SyncupAsync(leader, replica, leaderFirstLsn: 9);
        var restore = Assert.IsType<SyncupOutcome.NeedsRestore>(outcome);
        Assert.Contains("starts at LSN 9; an empty replica cannot stream from LSN 1", restore.Reason);
        Assert.Null(start);
    }

    [Fact]
    public async Task LogsWithNothingInCommon_NeedARestore()
    {
        await using var leader = Store("leader", 1);
        await using var replica = Store("replica", 2);
        await WriteAsync(leader, "leader", 10);
        await WriteAsync(replica, "replica", 10);

        var (outcome, start) = await SyncupAsync(leader, replica);
        var restore = Assert.IsType<SyncupOutcome.NeedsRestore>(outcome);
        Assert.Contains("no common sync point", restore.Reason);
        Assert.Null(start);
    }

    [Fact]
    public async Task ARollbackDeeperThanTheLimit_NeedsARestore_NamingTheLimit()
    {
        await using var leader = Store("leader", 1);
        await using var replica = Store("replica", 2);
        await WriteAsync(leader, "shared", 10);
        await CopyPrefixAsync(leader, replica, 10);
        await WriteAsync(leader, "leader", 3);
        await WriteAsync(replica, "replica", 6);

        var (outcome, _) = await SyncupAsync(leader, replica, rollbackLimit: 4);
        Assert.Contains("rollback limit 4 records", Assert.IsType<SyncupOutcome.NeedsRestore>(outcome).Reason);
    }

    [Fact]
    public async Task AMatchpointInsideASealedSegment_NeedsARestore()
    {
        await using var leader = Store("leader", 1);
        await using var replica = Store("replica", 2);
        await WriteAsync(leader, "shared", 10);
        await CopyPrefixAsync(leader, replica, 10);
        await WriteAsync(leader, "leader", 3);
        await WriteAsync(replica, "replica", 3);
        await replica.SealAllAsync(); // the diverged tail is now immutable

        var (outcome, _) = await SyncupAsync(leader, replica);
        Assert.IsType<SyncupOutcome.NeedsRestore>(outcome);
    }

    public void Dispose() => _directory.Dispose();

    private LogStore Store(string name, ulong origin) =>
        LogStore.Open(Path.Combine(_directory.Path, name), new StoreOptions { ShardCount = 1, Fsync = FsyncMode.Never, NodeOrigin = origin });

    private static async Task WriteAsync(LogStore store, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await store.PutAsync(Bytes($"{prefix}-{i}"), Bytes($"{prefix} value {i}"));
        }
    }

    private static async Task CopyPrefixAsync(LogStore from, LogStore to, long throughLsn) =>
        await to.ApplyReplicatedAsync(Shard, (await from.ReadLogAsync(Shard, 1, maxRecords: (int)throughLsn)).Where(r => r.Lsn <= throughLsn).ToList());

    /// <summary>Both sides of syncup over a real loopback connection.</summary>
    private static async Task<(SyncupOutcome Outcome, long? StartLsn)> SyncupAsync(LogStore leader, LogStore replica, long rollbackLimit = SyncupReplica.DefaultRollbackLimit, long leaderFirstLsn = 1)
    {
        using var pair = await LoopbackPair.ConnectAsync();
        await using var feederSide = FrameConnection.Over(pair.Server);
        await using var replicaSide = FrameConnection.Over(pair.Client);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var feeding = SyncupFeeder.RunAsync(feederSide, new SyncupLog(leader, Shard), timeout.Token).AsTask();
        var outcome = await SyncupReplica.RunAsync(replicaSide, new SyncupLog(replica, Shard), leaderFirstLsn, rollbackLimit, timeout.Token);
        return (outcome, await feeding);
    }

    /// <summary>What a follower does with a matchpoint: roll back to it, then apply the leader's log after it.</summary>
    private static async Task ApplyAsync(LogStore leader, LogStore replica, SyncupOutcome outcome)
    {
        var matchpoint = Assert.IsType<SyncupOutcome.Matchpoint>(outcome);
        Assert.Equal(matchpoint.RollbackRecords, await replica.RollbackToAsync(Shard, matchpoint.Lsn));
        while (replica.NextLsn(Shard) < leader.NextLsn(Shard))
        {
            await replica.ApplyReplicatedAsync(Shard, await leader.ReadLogAsync(Shard, replica.NextLsn(Shard)));
        }
    }
}
