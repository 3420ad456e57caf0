using Microsoft.Data.Sqlite;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.TestKit;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Tests.Bootstrap;

/// <summary>The bootstrap grain as the operator's control: start, progress, cancel, finish.</summary>
public sealed class BootstrapGrainControlTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task FailedStateWrites_LeaveTheRequestAndTheIntentsAsTheyWere()
    {
        var storage = new StorageFaults();
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n4", "n5"], storage);
        var grain = silo.Grains.Bootstrap("n4");
        var intent = await grain.BeginAsync("n1");

        storage.FailWrites = true;
        await Assert.ThrowsAnyAsync<Exception>(() => grain.StartAsync("n1", "operator"));
        await Assert.ThrowsAnyAsync<Exception>(() => grain.CompleteAsync(intent));
        await Assert.ThrowsAnyAsync<Exception>(() => grain.BeginAsync("n2"));
        Assert.Equal("none", (await grain.GetStatusAsync()).State); // no request anyone could act on
        Assert.Equal([intent], (await grain.ListUnfinishedAsync()).Select(i => i.Intent)); // still open, and no phantom one

        storage.FailWrites = false;
        await grain.StartAsync("n1", "operator");
        Assert.Equal("requested", (await grain.GetStatusAsync()).State);
    }

    [Fact]
    public async Task ARequestRunsOnItsFirstProgress_OneAtATime_AndSurvivesARestart()
    {
        await using (var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n4", "n5"]))
        {
            var grain = silo.Grains.Bootstrap("n4");
            Assert.Equal("none", (await grain.GetStatusAsync()).State);
            await grain.StartAsync("n1", "operator");
            Assert.Equal(("requested", "n1"), ((await grain.GetStatusAsync()).State, (await grain.GetStatusAsync()).Source));
            Assert.Contains("already has a bootstrap from n1 requested", (await Assert.ThrowsAsync<InvalidOperationException>(() => grain.StartAsync("n2", "operator"))).Message);
            await grain.ReportProgressAsync(new BootstrapProgress(1 << 20, 8 << 20, 12.5, 0));
            var running = await grain.GetStatusAsync();
            Assert.Equal(("running", 1L << 20, 8L << 20), (running.State, running.Progress!.BytesDone, running.Progress.BytesTotal));
            Assert.Contains("cannot bootstrap from itself", (await Assert.ThrowsAsync<ArgumentException>(() => silo.Grains.Bootstrap("n5").StartAsync("n5", "operator"))).Message);
        }

        await using var again = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n4", "n5"]);
        var reloaded = again.Grains.Bootstrap("n4");
        Assert.Equal("running", (await reloaded.GetStatusAsync()).State); // a restarted worker picks it up again
        await reloaded.FinishAsync(null, "8 MiB from n1");
        Assert.Equal(("complete", "8 MiB from n1"), ((await reloaded.GetStatusAsync()).State, (await reloaded.GetStatusAsync()).Summary));
        await reloaded.ReportProgressAsync(new BootstrapProgress(0, 0, 0, 0)); // a late report does not revive it
        Assert.Equal("complete", (await reloaded.GetStatusAsync()).State);
    }

    [Fact]
    public async Task ACancelledBootstrapTellsItsWorkerToStop_AndAFinishAfterwardsDoesNotUndoIt()
    {
        await using var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["n4", "n5"]);
        var grain = silo.Grains.Bootstrap("n4");
        await Assert.ThrowsAsync<InvalidOperationException>(() => grain.CancelAsync());
        await grain.StartAsync("n1", "operator");
        await grain.ReportProgressAsync(new BootstrapProgress(10, 100, 1, 0));
        Assert.Equal("running", (await grain.GetStatusAsync()).State);
        await grain.CancelAsync();
        await grain.ReportProgressAsync(new BootstrapProgress(20, 100, 1, 0));
        Assert.Equal("cancelled", (await grain.GetStatusAsync()).State); // what the worker reads after each report: it stops
        await grain.FinishAsync("cancelled by the operator", null);
        Assert.Equal("cancelled", (await grain.GetStatusAsync()).State);
        await grain.StartAsync("n2", "operator"); // a new one may start
        Assert.Equal(("requested", "n2"), ((await grain.GetStatusAsync()).State, (await grain.GetStatusAsync()).Source));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
