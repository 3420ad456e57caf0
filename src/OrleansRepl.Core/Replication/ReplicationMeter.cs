using System.Diagnostics.Metrics;

namespace OrleansRepl.Core.Replication;

/// <summary>
/// The meter of the data plane, <c>OrleansRepl.Replication</c>: followers' instruments (<c>orepl.follower.*</c>),
/// the leader's view of its followers (<c>orepl.leader.*</c>), bootstrap and anti-entropy. An exporter subscribes
/// by this name.
/// </summary>
public static class ReplicationMeter
{
    public const string Name = "OrleansRepl.Replication";

    /// <summary>Bucket bounds, in seconds, for latencies from well under a millisecond to seconds.</summary>
    public static readonly IReadOnlyList<double> LatencyBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    internal static readonly Meter Meter = new(Name);

    /// <summary>On a leader: seconds from its commit of a write to a follower's acknowledgement of holding it, tagged by follower and shard.</summary>
    internal static readonly Histogram<double> AckLag = Meter.CreateHistogram("orepl.leader.ack.lag", "s", "Time from the leader's commit of a write to a follower's acknowledgement of holding it durably",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
}
