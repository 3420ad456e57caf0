using System.Diagnostics;

namespace OrleansRepl.Core.Replication.Streaming;

/// <summary>
/// How long after a leader commits a write each follower acknowledges holding it (committed under its own fsync
/// policy): the time from the leader's commit to the follower's durable apply, plus the ack's way back over the
/// wire. The leader notes each commit (shard, last LSN, when); each follower's ack then samples every commit it
/// newly covers. Percentiles are over the samples of the last <see cref="Window"/>, per follower.
/// </summary>
public sealed class ReplicationLag
{
    /// <summary>The span percentiles are taken over.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    private const int MaxCommitsPerShard = 4096;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, List<(long Lsn, long At)>> _commits = [];
    private readonly Dictionary<(int Shard, string Node), long> _covered = [];
    private readonly Dictionary<string, Queue<(long At, double Milliseconds)>> _samples = new(StringComparer.Ordinal);

    /// <summary>Notes that <paramref name="shard"/> committed through <paramref name="lsn"/> at <paramref name="timestamp"/> (Stopwatch).</summary>
    public void Committed(int shard, long lsn, long timestamp)
    {
        lock (_gate)
        {
            if (!_commits.TryGetValue(shard, out var commits))
            {
                _commits[shard] = commits = [];
            }

            if (commits.Count > 0 && commits[^1].Lsn >= lsn)
            {
                return; // a later commit noted first: it covers this one
            }

            commits.Add((lsn, timestamp));
            if (commits.Count > MaxCommitsPerShard)
            {
                commits.RemoveRange(0, commits.Count - (MaxCommitsPerShard / 2));
            }
        }
    }

    /// <summary>Samples, for <paramref name="node"/>, every commit of <paramref name="shard"/> its ack through <paramref name="lsn"/> newly covers.</summary>
    public void Acknowledged(int shard, string node, long lsn, long timestamp)
    {
        lock (_gate)
        {
            var covered = _covered.GetValueOrDefault((shard, node));
            _covered[(shard, node)] = lsn;
            if (lsn <= covered || !_commits.TryGetValue(shard, out var commits))
            {
                return; // nothing new, or an ack behind an earlier one (a new epoch's log): counted from here
            }

            if (!_samples.TryGetValue(node, out var samples))
            {
                _samples[node] = samples = new();
            }

            for (var i = FirstAfter(commits, covered); i < commits.Count && commits[i].Lsn <= lsn; i++)
            {
                var lag = Stopwatch.GetElapsedTime(commits[i].At, timestamp);
                samples.Enqueue((timestamp, lag.TotalMilliseconds));
                ReplicationMeter.AckLag.Record(lag.TotalSeconds, new KeyValuePair<string, object?>("follower", node), new KeyValuePair<string, object?>("shard", shard));
            }

            Trim(samples, timestamp);
        }
    }

    /// <summary>Per follower: the median and 99th percentile lag in milliseconds over the last <see cref="Window"/>, and how many samples.</summary>
    public IReadOnlyList<(string Node, double P50, double P99, int Samples)> Percentiles()
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            var result = new List<(string, double, double, int)>();
            foreach (var (node, samples) in _samples.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                Trim(samples, now);
                if (samples.Count == 0)
                {
                    continue;
                }

                var sorted = samples.Select(s => s.Milliseconds).Order().ToArray();
                result.Add((node, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length));
            }

            return result;
        }
    }

    /// <summary>The nearest-rank percentile <paramref name="p"/> of <paramref name="sorted"/> (ascending, not empty).</summary>
    public static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static int FirstAfter(List<(long Lsn, long At)> commits, long lsn)
    {
        var (low, high) = (0, commits.Count);
        while (low < high)
        {
            var middle = (low + high) / 2;
            (low, high) = commits[middle].Lsn <= lsn ? (middle + 1, high) : (low, middle);
        }

        return low;
    }

    private static void Trim(Queue<(long At, double Milliseconds)> samples, long now)
    {
        while (samples.Count > 0 && Stopwatch.GetElapsedTime(samples.Peek().At, now) > Window)
        {
            samples.Dequeue();
        }
    }
}
