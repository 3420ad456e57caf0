using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Hosting.Membership;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.TestKit;

namespace OrleansRepl.Hosting.Tests.Membership;

/// <summary>Two silos of one node id through their agents: the second is refused while the first lives, and fences it once it is gone.</summary>
public sealed class MembershipAgentTests : IDisposable
{
    // Heartbeats every 100 ms; dead after 2 s, so a loaded machine's scheduling hiccups do not kill a live silo.
    private static readonly MembershipOptions Fast = new() { HeartbeatInterval = TimeSpan.FromMilliseconds(100), DeadAfter = TimeSpan.FromSeconds(2) };
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task ASecondSilo_IsRefusedWhileTheFirstLives_AndOnceItFallsSilentFencesIt_WhichTheFirstLearnsAtOnce()
    {
        var table = new SqliteMembershipTable(new SqliteGrainStorage(_directory.File("cluster.db")));
        await table.EnsureSchemaAsync(CancellationToken.None);
        var partition = new PartitionableTable(table);
        var firstFenced = new TaskCompletionSource<HeartbeatOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var first = new MembershipAgent(partition, new SiloAddress("first", "node-a", "127.0.0.1", 1, 2), Fast, outcome =>
        {
            firstFenced.TrySetResult(outcome);
            return Task.CompletedTask;
        }, NullLogger<MembershipAgent>.Instance);
        await first.StartAsync(CancellationToken.None);

        await Task.Delay(Fast.DeadAfter + TimeSpan.FromMilliseconds(200)); // the first keeps heartbeating meanwhile
        await using (var refused = Agent(table, "second"))
        {
            var error = await Assert.ThrowsAsync<SiloFencedException>(() => refused.StartAsync(CancellationToken.None));
            Assert.Contains("node id node-a is held by live silo first", error.Message);
        }

        // The first silo is cut off from the database past the timeout; a new silo of the node joins meanwhile ...
        partition.Cut = true;
        await Task.Delay(Fast.DeadAfter + TimeSpan.FromMilliseconds(200));
        await using var third = Agent(table, "third");
        await third.StartAsync(CancellationToken.None);
        Assert.Equal(2, third.Generation);
        Assert.False(firstFenced.Task.IsCompleted);

        // ... and when the first reaches the database again, its next heartbeat fences it and it stops.
        partition.Cut = false;
        Assert.Equal(HeartbeatOutcome.Superseded, await firstFenced.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static MembershipAgent Agent(IMembershipTable table, string silo) =>
        new(table, new SiloAddress(silo, "node-a", "127.0.0.1", 1, 2), Fast, _ => Task.CompletedTask, NullLogger<MembershipAgent>.Instance);

    /// <summary>The real table, except that while <see cref="Cut"/> a heartbeat cannot reach it (a network partition).</summary>
    private sealed class PartitionableTable(IMembershipTable inner) : IMembershipTable
    {
        public volatile bool Cut;

        public Task EnsureSchemaAsync(CancellationToken cancellationToken) => inner.EnsureSchemaAsync(cancellationToken);

        public Task<SiloEntry> JoinAsync(SiloAddress address, TimeSpan timeout, CancellationToken cancellationToken) => inner.JoinAsync(address, timeout, cancellationToken);

        public Task<HeartbeatOutcome> HeartbeatAsync(string siloId, SiloStatus status, CancellationToken cancellationToken) =>
            Cut ? throw new IOException("database unreachable") : inner.HeartbeatAsync(siloId, status, cancellationToken);

        public Task<IReadOnlyList<string>> DeclareDeadAsync(TimeSpan timeout, CancellationToken cancellationToken) => inner.DeclareDeadAsync(timeout, cancellationToken);

        public Task<IReadOnlyList<SiloEntry>> ReadAllAsync(CancellationToken cancellationToken) => inner.ReadAllAsync(cancellationToken);

        public Task LeaveAsync(string siloId, CancellationToken cancellationToken) => inner.LeaveAsync(siloId, cancellationToken);
    }
}
