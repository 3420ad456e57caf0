using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Replication.Bootstrap;

/// <summary>The durable bootstrap intent log and the single-resumer policy (its scenarios on a real file).</summary>
public sealed class BootstrapIntentLogTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string LogPath => _directory.File("bootstrap/intents.log");

    [Fact]
    public async Task FromScratch_ThereIsNothingToResume_AndACompletedIntentLeavesNothing()
    {
        using (var log = FileBootstrapIntentLog.Open(LogPath))
        {
            Assert.IsType<ResumeDecision.Nothing>(BootstrapResume.Decide(await log.ListUnfinishedAsync(default), "replica-1"));
            var intent = await log.BeginAsync("replica-1", "node-a", default);
            await log.CheckpointAsync(intent, Lsn(100), default);
            await log.CompleteAsync(intent, default);
        }

        using var reopened = FileBootstrapIntentLog.Open(LogPath);
        Assert.Empty(await reopened.ListUnfinishedAsync(default));
    }

    [Fact]
    public async Task AfterACrashMidCatchUp_TheReplicaResumesFromItsLastCheckpoint_AndCompletesTheSameIntent()
    {
        string intent;
        using (var log = FileBootstrapIntentLog.Open(LogPath))
        {
            intent = await log.BeginAsync("replica-1", "node-a", default);
            await log.CheckpointAsync(intent, Lsn(200), default);
            await log.CheckpointAsync(intent, Lsn(500), default);
        } // the process dies here: no complete, no abort

        using (var log = FileBootstrapIntentLog.Open(LogPath))
        {
            var resume = Assert.IsType<ResumeDecision.Resume>(BootstrapResume.Decide(await log.ListUnfinishedAsync(default), "replica-1"));
            Assert.Equal((intent, "node-a", 500L), (resume.Intent.Intent, resume.Intent.Source, resume.From.LastAppliedLsn));
            await log.CheckpointAsync(intent, Lsn(900), default);
            await log.CompleteAsync(intent, default);
        }

        using var after = FileBootstrapIntentLog.Open(LogPath);
        Assert.Empty(await after.ListUnfinishedAsync(default));
    }

    [Fact]
    public async Task ASnapshotTransferCheckpoint_ResumesAtItsTokenOffsetAndCrc()
    {
        using (var log = FileBootstrapIntentLog.Open(LogPath))
        {
            var intent = await log.BeginAsync("replica-1", "node-a", default);
            await log.CheckpointAsync(intent, new BootstrapCheckpoint("snapshot-token-10", 4096, 0xDEADBEEF, 10, 0), default);
        }

        using var reopened = FileBootstrapIntentLog.Open(LogPath);
        var resume = Assert.IsType<ResumeDecision.Resume>(BootstrapResume.Decide(await reopened.ListUnfinishedAsync(default), "replica-1"));
        Assert.Equal(new BootstrapCheckpoint("snapshot-token-10", 4096, 0xDEADBEEF, 10, 0), resume.From);
    }

    [Fact]
    public async Task Replicas_SeeOnlyTheirOwnIntents()
    {
        using var log = FileBootstrapIntentLog.Open(LogPath);
        var one = await log.BeginAsync("replica-1", "node-a", default);
        var two = await log.BeginAsync("replica-2", "node-a", default);
        await log.CheckpointAsync(one, Lsn(300), default);
        await log.CheckpointAsync(two, Lsn(700), default);
        var unfinished = await log.ListUnfinishedAsync(default);

        Assert.Equal(300, Assert.IsType<ResumeDecision.Resume>(BootstrapResume.Decide(unfinished, "replica-1")).From.LastAppliedLsn);
        Assert.Equal(700, Assert.IsType<ResumeDecision.Resume>(BootstrapResume.Decide(unfinished, "replica-2")).From.LastAppliedLsn);
        Assert.IsType<ResumeDecision.Nothing>(BootstrapResume.Decide(unfinished, "replica-3"));
    }

    [Fact]
    public async Task AnAbortedIntent_IsFinished_AndCannotBeContinued()
    {
        using var log = FileBootstrapIntentLog.Open(LogPath);
        var intent = await log.BeginAsync("replica-1", "node-a", default);
        await log.CheckpointAsync(intent, Lsn(5), default);
        await log.AbortAsync(intent, "operator cancelled", default);

        Assert.Empty(await log.ListUnfinishedAsync(default));
        var refused = await Assert.ThrowsAsync<StoreArgumentException>(() => log.CheckpointAsync(intent, Lsn(6), default).AsTask());
        Assert.Contains($"bootstrap intent {intent} already ended (abort)", refused.Message);
        Assert.Contains("was never begun", (await Assert.ThrowsAsync<StoreArgumentException>(() => log.CompleteAsync("bootstrap-unknown", default).AsTask())).Message);
    }

    [Fact]
    public async Task NoCheckpoint_OrTwoUnfinishedIntents_MeanAFreshStart_SayingWhy()
    {
        using var log = FileBootstrapIntentLog.Open(LogPath);
        var first = await log.BeginAsync("replica-1", "node-a", default);
        var none = Assert.IsType<ResumeDecision.Fresh>(BootstrapResume.Decide(await log.ListUnfinishedAsync(default), "replica-1"));
        Assert.Contains($"bootstrap {first} of replica-1 stopped before its first checkpoint", none.Reason);

        var second = await log.BeginAsync("replica-1", "node-b", default);
        await log.CheckpointAsync(first, Lsn(1), default);
        await log.CheckpointAsync(second, Lsn(2), default);
        var two = Assert.IsType<ResumeDecision.Fresh>(BootstrapResume.Decide(await log.ListUnfinishedAsync(default), "replica-1"));
        Assert.Contains($"2 unfinished bootstraps of replica-1 ({first}, {second}); none is resumed", two.Reason);
        Assert.Equal(2, two.Dangling.Count);
    }

    [Fact]
    public async Task ARecordCutShortByACrash_IsDropped_ButADamagedWholeRecordRefusesTheOpen()
    {
        using (var log = FileBootstrapIntentLog.Open(LogPath))
        {
            var intent = await log.BeginAsync("replica-1", "node-a", default);
            await log.CheckpointAsync(intent, Lsn(42), default);
        }

        var intact = await File.ReadAllBytesAsync(LogPath);
        await File.WriteAllBytesAsync(LogPath, [.. intact, 200, 0, 0, 0, 1, 2, 3]); // a header promising 200 bytes, then the crash
        using (var log = FileBootstrapIntentLog.Open(LogPath))
        {
            Assert.Equal(7, log.DroppedTailBytes);
            Assert.Equal(42, Assert.Single(await log.ListUnfinishedAsync(default)).LastCheckpoint!.LastAppliedLsn);
        }

        Assert.Equal(intact, await File.ReadAllBytesAsync(LogPath));
        var damaged = intact.ToArray();
        damaged[20] ^= 0x01; // inside the first record's payload
        await File.WriteAllBytesAsync(LogPath, damaged);
        var error = Assert.Throws<IntentLogCorruptException>(() => FileBootstrapIntentLog.Open(LogPath));
        Assert.Contains("is damaged at byte 0: a", error.Message);
        Assert.Contains("fails its checksum", error.Message);
    }

    [Fact]
    public void ASecondOpenOfTheSameLog_IsRefused_WhileTheFirstHoldsIt()
    {
        using (FileBootstrapIntentLog.Open(LogPath))
        {
            var refused = Assert.Throws<IntentLogInUseException>(() => FileBootstrapIntentLog.Open(LogPath));
            Assert.Contains($"bootstrap intent log {LogPath} is open in another process", refused.Message);
        }

        using var again = FileBootstrapIntentLog.Open(LogPath); // released on dispose
    }

    [Fact]
    public async Task ReplicaAndSourceIds_MustBeSafeNames()
    {
        using var log = FileBootstrapIntentLog.Open(LogPath);
        Assert.Contains("replica node id \"../x\" is refused", (await Assert.ThrowsAsync<UnsafeNameException>(() => log.BeginAsync("../x", "node-a", default).AsTask())).Message);
        Assert.Contains("source node id \"a/b\" is refused", (await Assert.ThrowsAsync<UnsafeNameException>(() => log.BeginAsync("replica-1", "a/b", default).AsTask())).Message);
    }

    public void Dispose() => _directory.Dispose();

    private static BootstrapCheckpoint Lsn(long lsn) => new(null, 0, 0, lsn, lsn / 10);
}
