using System.Diagnostics;
using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Shards;
using OrleansRepl.TestKit;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Tests.Shards;

/// <summary>The shard grain as a follower's cursor store, on the real host and a real SQLite file.</summary>
public sealed class ShardGrainTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task CursorSaves_AreCoalesced_ToAtMostOneWritePer100Ms_AndTheLatestIsKept()
    {
        FollowerCursor last;
        var clock = Stopwatch.StartNew();
        await using (var silo = await StartAsync())
        {
            var shard = silo.Grains.GetGrain<IShardGrain>("node-a/3");
            last = Cursor(0);
            for (var i = 1; i <= 2000; i++)
            {
                last = Cursor(i);
                await shard.SaveCursorAsync(last);
            }

            var elapsed = clock.Elapsed;
            await Task.Delay(ShardGrain.WriteInterval * 3); // the pending cursor is written by the timer
            var status = await shard.GetStatusAsync();
            Assert.True(status.CursorWrites <= (elapsed / ShardGrain.WriteInterval) + 3, $"{status.CursorWrites} writes for 2000 saves in {elapsed}");
            Assert.Equal(2000, status.LastAppliedLsn);
        }

        await using var again = await StartAsync();
        Assert.Equal(last, await again.Grains.GetGrain<IShardGrain>("node-a/3").LoadCursorAsync());
    }

    [Fact]
    public async Task AFollowerUsingTheGrains_AsItsCursorStore_LeavesItsProgressInThem()
    {
        var options = new StoreOptions { ShardCount = 2, Fsync = FsyncMode.Never };
        await using var leader = LogStore.Open(_directory.File("leader"), options);
        await leader.WriteAsync(Enumerable.Range(0, 5000).Select(i => WriteOperation.Put(System.Text.Encoding.UTF8.GetBytes($"k{i}"), new byte[10])).ToList());
        await using var replica = LogStore.Open(_directory.File("replica"), options);
        var secret = ClusterSecret.FromBytes(System.Text.Encoding.UTF8.GetBytes("grain cursor test secret 0123456789"));
        await using var feeder = new Feeder(leader, new NodeCredentials("c", "leader", secret), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        await using var silo = await StartAsync();
        var cursors = new GrainCursorStore(silo.Grains, "node-b");

        var followers = Enumerable.Range(0, 2).Select(s => new Follower(replica, s, feeder.EndPoint, new NodeCredentials("c", "node-b", secret), new StreamingOptions { CursorSaveEvery = 100 }, cursors, () => 1, NullLogger<Follower>.Instance)).ToList();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        var run = Task.WhenAll(followers.Select(f => f.RunAsync(stop.Token)));
        await Task.WhenAll(followers.Select(f => f.CaughtUp)).WaitAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await run; // each follower saves its cursor on the way out

        for (var shard = 0; shard < 2; shard++)
        {
            var grain = silo.Grains.Shard("node-b", shard);
            await grain.FlushAsync();
            var status = await grain.GetStatusAsync();
            Assert.Equal(leader.NextLsn(shard) - 1, status.LastAppliedLsn);
            Assert.Equal(leader.NextLsn(shard) - 1, status.AppliedTotal);
        }
    }

    [Fact]
    public async Task AFailedPauseWrite_LeavesTheShardUnpaused_AndAFailedCursorWriteKeepsTheCursorPending()
    {
        var storage = new StorageFaults();
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["node-a", "node-b"], storage);
        var shard = silo.Grains.Shard("node-a", 1);
        await shard.SaveCursorAsync(new FollowerCursor(41, 41, default, DateTimeOffset.UtcNow));
        var cursor = new FollowerCursor(42, 42, default, DateTimeOffset.UtcNow);
        storage.FailWrites = true;
        try
        {
            await shard.SaveCursorAsync(cursor); // coalesced (pending) or written at once and failed: either way not stored
        }
        catch (Exception e) when (e is IOException || e.InnerException is IOException)
        {
        }

        await Assert.ThrowsAnyAsync<Exception>(() => shard.PauseAsync());
        await Assert.ThrowsAnyAsync<Exception>(() => shard.FlushAsync());
        var status = await shard.GetStatusAsync();
        Assert.False(status.Paused);
        Assert.Equal(42, status.LastAppliedLsn);

        storage.FailWrites = false;
        await shard.FlushAsync(); // the cursor was still pending: it is written now
        Assert.Equal(cursor, await shard.LoadCursorAsync());
    }

    [Fact]
    public async Task PauseAndResume_AreDurable_AndShowInTheStatus()
    {
        await using (var silo = await StartAsync())
        {
            var shard = silo.Grains.GetGrain<IShardGrain>("node-a/0");
            await shard.ReportAsync(new ShardReport("Streaming", "n1", 12, 3.5, 1000, null));
            Assert.False((await shard.GetStatusAsync()).Paused);
            await shard.PauseAsync(); // its node's workers are not attached here: telling them fails, the pause stands
            await shard.ReportAsync(new ShardReport("Streaming", "n1", 12, 3.5, 1000, null));
            Assert.Equal(("Paused", true, 12L), ((await shard.GetStatusAsync()).State, (await shard.GetStatusAsync()).Paused, (await shard.GetStatusAsync()).LagRecords));
        }

        await using var again = await StartAsync();
        var reloaded = again.Grains.GetGrain<IShardGrain>("node-a/0");
        Assert.True((await reloaded.GetStatusAsync()).Paused);
        await reloaded.ResumeAsync();
        Assert.False((await reloaded.GetStatusAsync()).Paused);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static FollowerCursor Cursor(long lsn) => new(lsn, lsn, new RecordVersion((ulong)lsn, 1), DateTimeOffset.UnixEpoch.AddSeconds(lsn));

    private Task<GrainSilo> StartAsync() => GrainSilo.StartAsync(_directory.File("grains.db"), ["node-a", "node-b"]);
}
