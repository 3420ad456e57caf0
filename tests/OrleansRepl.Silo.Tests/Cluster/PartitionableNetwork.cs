using System.Globalization;
using System.Net;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>
/// The nodes of a <see cref="TestCluster"/> with their silo-to-silo and replication ports behind fault proxies: each
/// silo advertises its proxy's port and listens behind it, and each node is in the topology at its replication
/// proxy. <see cref="CutOff"/> then drops one node's traffic to and from every other node (the connections it accepts,
/// and those it opened, told apart by the process that holds their client end), while its API, its gateway and the
/// cluster's storage stay reachable: a partition between the silos, not a crash.
/// </summary>
internal sealed class PartitionableNetwork(TestCluster cluster) : IAsyncDisposable
{
    private readonly Dictionary<int, (FaultProxy Silo, FaultProxy Replication)> _proxies = [];

    /// <summary>Starts the node's silo behind its proxies and adds it to the replica set at its replication proxy.</summary>
    public async Task StartAsync(int number)
    {
        var listen = LoopbackPort.Free();
        var silo = new FaultProxy(new IPEndPoint(IPAddress.Loopback, listen));
        silo.Start();
        await cluster.StartAsync(number, new Dictionary<string, string>
        {
            ["Silo:SiloPort"] = silo.EndPoint.Port.ToString(CultureInfo.InvariantCulture),
            ["Silo:SiloListenPort"] = listen.ToString(CultureInfo.InvariantCulture),
        });
        var replication = new FaultProxy(cluster.ReplicationEndPoint(number));
        replication.Start();
        _proxies[number] = (silo, replication);
        await cluster.AddAsync(number, replication.EndPoint.ToString());
    }

    /// <summary>Drops every byte between node <paramref name="number"/> and the others, both ways, until <see cref="Heal"/>.</summary>
    public void CutOff(int number)
    {
        var pid = cluster.ProcessId(number);
        foreach (var (node, (silo, replication)) in _proxies)
        {
            Func<IPEndPoint, bool> rule = node == number ? _ => true : client => ProcessSockets.TcpPortsOf(pid).Contains(client.Port);
            silo.Partition(rule);
            replication.Partition(rule);
        }
    }

    public void Heal()
    {
        foreach (var (silo, replication) in _proxies.Values)
        {
            silo.Heal();
            replication.Heal();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (silo, replication) in _proxies.Values)
        {
            await silo.DisposeAsync();
            await replication.DisposeAsync();
        }
    }
}
