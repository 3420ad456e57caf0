using Microsoft.Data.Sqlite;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.TestKit;

namespace OrleansRepl.Grains.Tests.Bootstrap;

/// <summary>The bootstrap grain as the intent log: resume after a crash, isolation between replicas.</summary>
public sealed class BootstrapGrainTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task AnIntentCheckpointedBeforeACrash_IsResumed_AndEachReplicaSeesOnlyItsOwn()
    {
        string intent;
        await using (var silo = await GrainSilo.StartAsync(_directory.File("grains.db"), ["replica-1", "replica-2"]))
        {
            var log = new GrainBootstrapIntentLog(silo.Grains, "replica-1");
            intent = await log.BeginAsync("replica-1", "node-a", default);
            await log.CheckpointAsync(intent, new BootstrapCheckpoint("snap-1", 4096, 0xABCD, 0, 1), default);
            var other = new GrainBootstrapIntentLog(silo.Grains, "replica-2");
            await other.BeginAsync("replica-2", "node-a", default);
        } // the silo goes away with both intents unfinished

        await using var again = await GrainSilo.StartAsync(_directory.File("grains.db"), ["replica-1", "replica-2"]);
        var mine = new GrainBootstrapIntentLog(again.Grains, "replica-1");
        var unfinished = await mine.ListUnfinishedAsync(default);
        var resume = Assert.IsType<ResumeDecision.Resume>(BootstrapResume.Decide(unfinished, "replica-1"));
        Assert.Equal((intent, "snap-1", 4096L), (resume.Intent.Intent, resume.From.SnapshotToken, resume.From.SnapshotOffset));
        Assert.Single(unfinished); // replica-2's intent is not listed here

        await mine.CompleteAsync(intent, default);
        Assert.Empty(await mine.ListUnfinishedAsync(default));
        Assert.Contains("already ended (complete)", (await Assert.ThrowsAsync<InvalidOperationException>(() => mine.CheckpointAsync(intent, new BootstrapCheckpoint(null, 0, 0, 0, 2), default).AsTask())).Message);
        Assert.Contains("keeps the bootstraps of node replica-1, not of replica-2", (await Assert.ThrowsAsync<ArgumentException>(() => mine.BeginAsync("replica-2", "node-a", default).AsTask())).Message);
        Assert.Single(await new GrainBootstrapIntentLog(again.Grains, "replica-2").ListUnfinishedAsync(default));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
