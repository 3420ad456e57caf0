using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace OrleansRepl.Core.Replication.Streaming.Follower;

/// <summary>
/// The follower's instruments, on the meter <c>OrleansRepl.Replication</c>: counters of records and bytes
/// applied and of reconnects, and gauges of lag in records and in milliseconds, all tagged by shard.
/// </summary>
public static class FollowerMetrics
{
    public const string MeterName = "OrleansRepl.Replication";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<Follower, byte> Live = new();

    internal static readonly Counter<long> RecordsApplied = Meter.CreateCounter<long>("orepl.follower.records_applied", "{record}", "Log records applied from the leader, seals included");
    internal static readonly Counter<long> BytesApplied = Meter.CreateCounter<long>("orepl.follower.bytes_applied", "By", "Key and value bytes applied from the leader");
    internal static readonly Counter<long> Reconnects = Meter.CreateCounter<long>("orepl.follower.reconnects", "{reconnect}", "Sessions lost and retried");

    static FollowerMetrics()
    {
        Meter.CreateObservableGauge("orepl.follower.lag_records", () => Live.Keys.Select(f => new Measurement<long>(f.LagRecords, Shard(f))), "{record}", "Records the leader has that this follower has not applied");
        Meter.CreateObservableGauge("orepl.follower.lag_ms", () => Live.Keys.Select(f => new Measurement<double>(f.LagMilliseconds, Shard(f))), "ms", "Age of the newest applied record, from its hybrid logical timestamp");
    }

    internal static void Register(Follower follower) => Live.TryAdd(follower, 0);

    internal static void Unregister(Follower follower) => Live.TryRemove(follower, out _);

    internal static KeyValuePair<string, object?> Shard(Follower follower) => new("shard", follower.Shard);
}
