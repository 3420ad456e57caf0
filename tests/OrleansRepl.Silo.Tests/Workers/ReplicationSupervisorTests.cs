using System.Net.Sockets;
using OrleansRepl.Silo.Tests.Cluster;

namespace OrleansRepl.Silo.Tests.Workers;

/// <summary>The supervisor's store and feeder lifecycle, on a real silo process.</summary>
public sealed class ReplicationSupervisorTests
{
    [Fact]
    public async Task AReplicationPortTakenAtStart_LeavesTheStoreClosedSayingWhy_AndItOpensOnceThePortIsFree()
    {
        await using var cluster = new TestCluster(null, "port");
        await cluster.StartAsync(1);
        await cluster.AddAsync(1);
        var replication = cluster.ReplicationEndPoint(1);
        Assert.True(await cluster.StopAsync(1), "the silo did not stop within 30 s of SIGTERM");

        using (var squatter = new TcpListener(replication))
        {
            squatter.Start(); // another program holds the node's replication port when its silo starts again
            await cluster.StartAsync(1);
            await TestCluster.WaitAsync("the silo to report the taken port", () => Task.FromResult(File.ReadAllText(cluster.Log(1)).Contains("Address already in use", StringComparison.Ordinal)));
            Assert.Equal(0, (await cluster.StatusAsync(1)).ShardCount); // no feeder, so no store: it is closed again
        }

        // Before the fix, the store stayed open (and locked) in the silo after the failed start, and every retry
        // reported it "locked by another process", forever.
        await TestCluster.WaitAsync("port1's store to open once its port is free", async () => (await cluster.StatusAsync(1)).ShardCount > 0);
        Assert.DoesNotContain("locked by another process", File.ReadAllText(cluster.Log(1)), StringComparison.Ordinal);
    }
}
