using System.Diagnostics.Metrics;
using OrleansRepl.Silo.Workers;

namespace OrleansRepl.Silo.Node;

/// <summary>
/// The node's state as instruments on the meter <c>OrleansRepl.Node</c>, every one observable: read from the node
/// when an exporter collects, and costing nothing in between. Per shard (tag <c>shard</c>): whether this node leads
/// it, takes writes on it, and whether it failed, and its last committed LSN; for the node: whether the store is
/// open, and a running bootstrap's bytes transferred and expected.
/// </summary>
public sealed class NodeMetrics
{
    public const string MeterName = "OrleansRepl.Node";

    public NodeMetrics(IMeterFactory meters, LocalNode node, ReplicationSupervisor supervisor)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("orepl.store.open", () => node.Store is null ? 0 : 1, "1", "Whether the node's store is open (0 while a bootstrap replaces it)");
        meter.CreateObservableGauge("orepl.shard.leader", () => PerShard(node, (_, s) => node.Topology is { } t && s < t.Leaders.Count && t.Leaders[s] == node.NodeId ? 1 : 0), "1", "Whether this node leads the shard in its current topology");
        meter.CreateObservableGauge("orepl.shard.writable", () => PerShard(node, (_, s) => node.IsWritable(s) ? 1 : 0), "1", "Whether the shard takes writes here (led, with the lease held, not failed)");
        meter.CreateObservableGauge("orepl.shard.failed", () => PerShard(node, (store, s) => store.Health(s).Failed ? 1 : 0), "1", "Whether the shard failed on a disk error and waits to be reopened");
        meter.CreateObservableGauge("orepl.shard.lsn", () => PerShard(node, (store, s) => store.NextLsn(s) - 1), "{record}", "The shard's last committed LSN");
        meter.CreateObservableGauge("orepl.bootstrap.active", () => supervisor.CurrentBootstrap is null ? 0 : 1, "1", "Whether a bootstrap is replacing this node's store");
        meter.CreateObservableGauge("orepl.bootstrap.transferred", () => supervisor.CurrentBootstrap?.BytesDone ?? 0, "By", "Bytes of the running bootstrap's snapshot received and verified so far (0 when none runs)");
        meter.CreateObservableGauge("orepl.bootstrap.size", () => supervisor.CurrentBootstrap?.BytesTotal ?? 0, "By", "Bytes of the running bootstrap's snapshot in all (0 when none runs)");
    }

    private static IEnumerable<Measurement<long>> PerShard(LocalNode node, Func<Core.Storage.LogStore, int, long> value)
    {
        if (node.Store is not { } store)
        {
            yield break;
        }

        for (var shard = 0; shard < store.ShardCount; shard++)
        {
            yield return new Measurement<long>(value(store, shard), new KeyValuePair<string, object?>("shard", shard));
        }
    }
}
