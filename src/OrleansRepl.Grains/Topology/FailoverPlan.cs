namespace OrleansRepl.Grains.Topology;

/// <summary>
/// Which shards to move, and to whom: a shard whose leader has been silent for longer than a lease (and its drift),
/// and holds no lease by the grain's count, goes to the live member that reports holding the most of it. A shard
/// is not moved to a member lacking a write some member acknowledged with acks of one or more; it stays, and
/// <see cref="Stuck"/> says why, until such a member reports or an operator forces a promotion.
/// </summary>
public sealed record FailoverPlan(IReadOnlyList<LeaderMove> Moves, IReadOnlyList<string> Stuck)
{
    public static FailoverPlan For(ReplicaSetState set, MemberReports reports, LeaseTable leases, TimeSpan now, TimeSpan lease)
    {
        var moves = new List<LeaderMove>();
        var stuck = new List<string>();
        var silence = lease + LeaseLength.Drift(lease);
        for (var shard = 0; shard < set.Leaders.Count; shard++)
        {
            var leader = set.Leaders[shard];
            var silent = now - reports.LastHeard(leader);
            if (silent <= silence || leases.Holder(shard, now) is not null)
            {
                continue;
            }

            var best = set.Nodes.Select(n => n.NodeId)
                .Where(n => n != leader && reports.IsLive(n, now, lease) && reports.Of(n)?.Lsn(shard) is not null)
                .OrderByDescending(n => reports.Of(n)!.Lsn(shard))
                .ThenBy(n => n, StringComparer.Ordinal)
                .FirstOrDefault();
            var floor = reports.AcknowledgedThrough(shard);
            if (best is null)
            {
                stuck.Add($"shard {shard}: its leader {leader} has been silent {silent.TotalSeconds:0.0} s, and no live member has reported holding the shard");
            }
            else if (reports.Of(best)!.Lsn(shard) < floor)
            {
                stuck.Add($"shard {shard}: its leader {leader} has been silent {silent.TotalSeconds:0.0} s; the most advanced live member, {best}, holds LSN {reports.Of(best)!.Lsn(shard)}, but writes through LSN {floor} were acknowledged: it waits for a member that holds them, or a forced promotion");
            }
            else
            {
                moves.Add(new LeaderMove(shard, leader, best, reports.Of(leader)?.Lsn(shard), reports.Of(best)!.Lsn(shard)));
            }
        }

        return new FailoverPlan(moves, stuck);
    }
}
