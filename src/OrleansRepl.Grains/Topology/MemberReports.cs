namespace OrleansRepl.Grains.Topology;

/// <summary>
/// What each member last reported with its lease renewal, and when (on the grain's monotonic clock). Until a member
/// has reported to this activation, it counts as heard from when the activation took charge: a new activation
/// gives every member a full lease to report before it judges any silent.
/// </summary>
public sealed class MemberReports
{
    private readonly Dictionary<string, (TimeSpan At, NodeReport Report)> _reports = [];
    private TimeSpan _since;

    public void Reset(TimeSpan now)
    {
        _reports.Clear();
        _since = now;
    }

    public void Record(string node, NodeReport report, TimeSpan now) => _reports[node] = (now, report);

    /// <summary>
    /// Counts every member as heard from at <paramref name="now"/>: after the grain itself was not running (its silo
    /// paused or starved), the silence it saw was its own, and each member gets a full lease to report again.
    /// </summary>
    public void Pardon(TimeSpan now)
    {
        _since = now;
        foreach (var (node, (_, report)) in _reports.ToList())
        {
            _reports[node] = (now, report);
        }
    }

    /// <summary>When <paramref name="node"/> was last heard from.</summary>
    public TimeSpan LastHeard(string node) => _reports.TryGetValue(node, out var last) ? last.At : _since;

    public NodeReport? Of(string node) => _reports.TryGetValue(node, out var last) ? last.Report : null;

    /// <summary>Whether <paramref name="node"/> renewed within the last <paramref name="lease"/>.</summary>
    public bool IsLive(string node, TimeSpan now, TimeSpan lease) => now - LastHeard(node) <= lease;

    /// <summary>
    /// The last LSN of <paramref name="shard"/> any member reports acknowledging with acks of one or more: every
    /// leader from now on must hold it. A dead member's last report still counts.
    /// </summary>
    public long AcknowledgedThrough(int shard) => _reports.Values.Select(r => r.Report.AcknowledgedThrough(shard)).DefaultIfEmpty(0).Max();
}
