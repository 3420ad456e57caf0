using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansRepl.Core.Replication.Streaming.Follower;

/// <summary>
/// The follower's instruments, on the meter <c>OrleansRepl.Replication</c>: counters of records and bytes
/// applied and of reconnects, and gauges of lag in records and in seconds, all tagged by shard. Names and units
/// follow the OpenTelemetry conventions (dotted names without units in them, UCUM units, seconds for time); the
/// gauges are read only when an exporter collects.
/// </summary>
public static class FollowerMetrics
{
    public const string MeterName = ReplicationMeter.Name;

    private static Meter Meter => ReplicationMeter.Meter;
    private static readonly ConcurrentDictionary<Follower, byte> Live = new();

    internal static readonly Counter<long> RecordsApplied = Meter.CreateCounter<long>("orepl.follower.records.applied", "{record}", "Log records applied from the leader, seals included");
    internal static readonly Counter<long> BytesApplied = Meter.CreateCounter<long>("orepl.follower.data.applied", "By", "Key and value bytes applied from the leader");
    internal static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("orepl.follower.reconnects", "{reconnect}", "Sessions lost and retried");

    static FollowerMetrics()
    {
        Meter.CreateObservableGauge("orepl.follower.lag.records", () => Live.Keys.Select(f => new Measurement<long>(f.LagRecords, Shard(f))), "{record}", "Records the leader has that this follower has not applied");
        Meter.CreateObservableGauge("orepl.follower.lag.time", () => Live.Keys.Select(f => new Measurement<double>(f.LagMilliseconds / 1000, Shard(f))), "s", "Age of the newest applied record while behind, from its hybrid logical timestamp (0 once caught up)");
    }

    internal static void Register(Follower follower) => Live.TryAdd(follower, 0);

    internal static void Unregister(Follower follower) => Live.TryRemove(follower, out _);

    internal static KeyValuePair<string, object?> Shard(Follower follower) => new("shard", follower.Shard);
}
