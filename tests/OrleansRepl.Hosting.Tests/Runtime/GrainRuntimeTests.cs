using OrleansRepl.TestKit;

namespace OrleansRepl.Hosting.Tests.Runtime;

/// <summary>The host's promises to grains: turns, state, etag conflicts, idle collection, timers as turns.</summary>
public sealed class GrainRuntimeTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    private string Database => _directory.File("grains.db");

    [Fact]
    public async Task ConcurrentCalls_RunOneAtATime_AndAllComplete()
    {
        var (runtime, services) = await GrainHostFixture.StartAsync(Database);
        await using var _ = services;
        var grain = runtime.GetGrain<ICounterGrain>("node-a/turns");

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => grain.AppendAsync(i)));

        Assert.Equal(Enumerable.Range(0, 200), (await grain.ItemsAsync()).Order());
        Assert.Equal(1, runtime.ActivationCount);
    }

    [Fact]
    public async Task ManyConcurrentFirstCalls_ActivateTheGrainExactlyOnce()
    {
        var (runtime, services) = await GrainHostFixture.StartAsync(Database);
        await using var _ = services;
        for (var round = 0; round < 20; round++)
        {
            var key = $"node-a/race-{round}";
            await Task.WhenAll(Enumerable.Range(0, 64).Select(i => Task.Run(() => runtime.GetGrain<ICounterGrain>(key).AppendAsync(i))));
            Assert.Equal(1, CounterGrain.Activations[key]);
        }
    }

    [Fact]
    public async Task State_IsReadBeforeTheFirstCall_AndSurvivesDeactivation()
    {
        var (first, services) = await GrainHostFixture.StartAsync(Database);
        await using (services)
        {
            var grain = first.GetGrain<ICounterGrain>("node-a/kept");
            Assert.Equal(5, await grain.AddAsync(5));
            Assert.Equal(12, await grain.AddAsync(7));
            Assert.Equal("2", await grain.EtagAsync());
        }

        Assert.Contains(CounterGrain.Deactivations, d => d == ("node-a/kept", DeactivationReason.ShuttingDown));
        var (second, again) = await GrainHostFixture.StartAsync(Database);
        await using var __ = again;
        var reactivated = second.GetGrain<ICounterGrain>("node-a/kept");
        Assert.Equal(12, await reactivated.GetAsync());
        Assert.Equal("2", await reactivated.EtagAsync());
    }

    [Fact]
    public async Task AWriteOverAStaleEtag_Throws_NamingBoth_AndTheNextCallReReads()
    {
        // Two silos on one database, each with an activation of the same grain: the duplicate Orleans can make.
        var (a, servicesA) = await GrainHostFixture.StartAsync(Database);
        var (b, servicesB) = await GrainHostFixture.StartAsync(Database);
        await using var _ = servicesA;
        await using var __ = servicesB;
        var onA = a.GetGrain<ICounterGrain>("node-a/contended");
        var onB = b.GetGrain<ICounterGrain>("node-a/contended");
        Assert.Equal(1, await onA.AddAsync(1));
        Assert.Equal(1, await onB.GetAsync()); // B activates now and reads version 1
        Assert.Equal(11, await onA.AddAsync(10)); // version 2

        var conflict = await Assert.ThrowsAsync<InconsistentStateException>(() => onB.AddAsync(100));
        Assert.Equal(("2", "1"), (conflict.StoredEtag, conflict.CurrentEtag));
        Assert.Contains("stored version 2, this activation had 1", conflict.Message);

        Assert.Equal(11, await onB.GetAsync()); // B's activation was dropped; the new one re-read
        Assert.Equal(111, await onB.AddAsync(100));
        Assert.Contains(CounterGrain.Deactivations, d => d == ("node-a/contended", DeactivationReason.InconsistentState));
    }

    [Fact]
    public async Task AMethodThatThrowsBeforeAnyAwait_FailsWithItsOwnException_AndTheActivationLives()
    {
        var (runtime, services) = await GrainHostFixture.StartAsync(Database);
        await using var _ = services;
        var grain = runtime.GetGrain<ICounterGrain>("node-a/throwing");
        Assert.Equal(3, await grain.AddAsync(3));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => grain.ThrowAtOnceAsync("bad input"));
        Assert.Equal("bad input", error.Message);
        Assert.Equal(3, await grain.GetAsync());
        Assert.Equal(1, runtime.ActivationCount);
    }

    [Fact]
    public async Task AnIdleActivation_IsDeactivated()
    {
        var (runtime, services) = await GrainHostFixture.StartAsync(Database, o =>
        {
            o.IdleAge = TimeSpan.FromMilliseconds(200);
            o.CollectionInterval = TimeSpan.FromMilliseconds(50);
        });
        await using var _ = services;
        await runtime.GetGrain<ICounterGrain>("node-a/idle").AddAsync(1);
        Assert.Equal(1, runtime.ActivationCount);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (runtime.ActivationCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, runtime.ActivationCount);
        Assert.Contains(CounterGrain.Deactivations, d => d == ("node-a/idle", DeactivationReason.Idle));
        Assert.Equal(1, await runtime.GetGrain<ICounterGrain>("node-a/idle").GetAsync()); // back, with its state
    }

    [Fact]
    public async Task TimerTicks_RunAsTurns_NeverBesideACall()
    {
        var (runtime, services) = await GrainHostFixture.StartAsync(Database);
        await using var _ = services;
        var grain = runtime.GetGrain<ITickingGrain>("node-a/ticking");
        for (var i = 0; i < 100; i++)
        {
            await Task.WhenAll(grain.WorkAsync(), grain.WorkAsync());
        }

        var (ticks, overlaps) = await grain.ReadAsync();
        Assert.True(ticks > 3, $"only {ticks} ticks");
        Assert.Equal(0, overlaps);
    }

    public void Dispose() => _directory.Dispose();
}
