using OrleansRepl.Hosting.Membership;

namespace OrleansRepl.Hosting.Tests.Membership;

/// <summary>What every membership table must do, run against each real database.</summary>
public abstract class MembershipTableContract
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    protected abstract IMembershipTable NewTable();

    [Fact]
    public async Task ASiloJoins_HeartbeatsAndIsListed_WithItsAddress()
    {
        var table = NewTable();
        await table.EnsureSchemaAsync(CancellationToken.None);
        var node = Node();
        var joined = await table.JoinAsync(new SiloAddress("silo-1", node, "127.0.0.1", 7400, 8400), Timeout, CancellationToken.None);
        Assert.Equal((SiloStatus.Joining, 1L), (joined.Status, joined.Generation));

        Assert.Equal(HeartbeatOutcome.Alive, await table.HeartbeatAsync("silo-1", SiloStatus.Active, CancellationToken.None));
        var listed = Assert.Single(await table.ReadAllAsync(CancellationToken.None), e => e.NodeId == node);
        Assert.Equal(("silo-1", "127.0.0.1", 7400, 8400, SiloStatus.Active), (listed.SiloId, listed.Host, listed.ReplicationPort, listed.GatewayPort, listed.Status));
    }

    [Fact]
    public async Task ALiveNodeId_FencesASecondSilo_NamingTheHolderAndItsHeartbeat()
    {
        var table = NewTable();
        await table.EnsureSchemaAsync(CancellationToken.None);
        var node = Node();
        var first = await table.JoinAsync(new SiloAddress("holder", node, "127.0.0.1", 1, 2), Timeout, CancellationToken.None);

        var fenced = await Assert.ThrowsAsync<SiloFencedException>(() => table.JoinAsync(new SiloAddress("second", node, "127.0.0.1", 3, 4), Timeout, CancellationToken.None));
        Assert.Contains($"node id {node} is held by live silo holder (last heartbeat ", fenced.Message);
        Assert.Equal("holder", fenced.OtherSilo);
        Assert.DoesNotContain(await table.ReadAllAsync(CancellationToken.None), e => e.SiloId == "second");
        Assert.Equal(1, first.Generation);
    }

    [Fact]
    public async Task ASiloSilentPastTheTimeout_IsDeclaredDead_AndANewGenerationFencesIt()
    {
        var table = NewTable();
        await table.EnsureSchemaAsync(CancellationToken.None);
        var node = Node();
        await table.JoinAsync(new SiloAddress($"{node}-old", node, "127.0.0.1", 1, 2), Timeout, CancellationToken.None);
        await Task.Delay(Timeout + TimeSpan.FromMilliseconds(300)); // it stops heartbeating, as after SIGKILL

        Assert.Contains($"{node}-old", await table.DeclareDeadAsync(Timeout, CancellationToken.None));
        var next = await table.JoinAsync(new SiloAddress($"{node}-new", node, "127.0.0.1", 1, 2), Timeout, CancellationToken.None);
        Assert.Equal(2, next.Generation);
        Assert.Equal(HeartbeatOutcome.Superseded, await table.HeartbeatAsync($"{node}-old", SiloStatus.Active, CancellationToken.None));
        Assert.Equal(HeartbeatOutcome.Alive, await table.HeartbeatAsync($"{node}-new", SiloStatus.Active, CancellationToken.None));
    }

    [Fact]
    public async Task ASiloThatLeaves_FreesItsNodeIdAtOnce()
    {
        var table = NewTable();
        await table.EnsureSchemaAsync(CancellationToken.None);
        var node = Node();
        await table.JoinAsync(new SiloAddress($"{node}-1", node, "127.0.0.1", 1, 2), TimeSpan.FromSeconds(30), CancellationToken.None);
        await table.LeaveAsync($"{node}-1", CancellationToken.None);

        var next = await table.JoinAsync(new SiloAddress($"{node}-2", node, "127.0.0.1", 1, 2), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal(2, next.Generation);
    }

    [Fact]
    public async Task ASiloDeclaredDead_LearnsItAtItsNextHeartbeat()
    {
        var table = NewTable();
        await table.EnsureSchemaAsync(CancellationToken.None);
        var node = Node();
        await table.JoinAsync(new SiloAddress($"{node}-slow", node, "127.0.0.1", 1, 2), Timeout, CancellationToken.None);
        await Task.Delay(Timeout + TimeSpan.FromMilliseconds(300));
        await table.DeclareDeadAsync(Timeout, CancellationToken.None);

        Assert.Equal(HeartbeatOutcome.DeclaredDead, await table.HeartbeatAsync($"{node}-slow", SiloStatus.Active, CancellationToken.None));
    }

    [Fact]
    public async Task TwoSilosJoiningWithOneNodeIdAtOnce_OneJoinsTheOtherIsFenced()
    {
        var table = NewTable();
        await table.EnsureSchemaAsync(CancellationToken.None);
        var node = Node();
        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            try
            {
                await NewTable().JoinAsync(new SiloAddress($"{node}-{i}", node, "127.0.0.1", 1, 2), TimeSpan.FromSeconds(30), CancellationToken.None);
                return true;
            }
            catch (SiloFencedException)
            {
                return false;
            }
        })));

        Assert.Equal(1, attempts.Count(joined => joined));
    }

    private static string Node() => $"node-{Guid.NewGuid():N}"[..16];
}
