namespace OrleansRepl.Grains.Topology;

/// <summary>
/// Who holds each shard's lease, as one activation of the replica set grain counts it on its own monotonic clock
/// (<c>now</c> in every call). A shard's lease goes only to the node the topology names its leader, and only once the
/// last holder's lease has lapsed (or that holder gave it back): two nodes never hold the same shard at once.
/// </summary>
public sealed class LeaseTable
{
    private readonly List<(string? Holder, TimeSpan Until)> _shards = [];

    /// <summary>
    /// Counts every shard as held by its leader in <paramref name="leaders"/> until <paramref name="until"/>: what a
    /// new activation must assume, since an earlier one may have granted leases it cannot see.
    /// </summary>
    public void AssumeHeld(IReadOnlyList<string> leaders, TimeSpan until)
    {
        _shards.Clear();
        _shards.AddRange(leaders.Select(l => ((string?)l, until)));
    }

    /// <summary>
    /// Renews <paramref name="node"/>'s leases under <paramref name="leaders"/>, the current topology's, for
    /// <paramref name="lease"/> from <paramref name="now"/>: the shards it leads and no other node holds are
    /// granted; those it held and no longer leads are given back (the node asks only once its writes to them have drained).
    /// </summary>
    public int[] Renew(string node, IReadOnlyList<string> leaders, TimeSpan now, TimeSpan lease)
    {
        while (_shards.Count < leaders.Count)
        {
            _shards.Add((null, TimeSpan.Zero));
        }

        var granted = new List<int>();
        for (var shard = 0; shard < leaders.Count; shard++)
        {
            var (holder, until) = _shards[shard];
            if (leaders[shard] == node)
            {
                if (holder is null || holder == node || until <= now)
                {
                    _shards[shard] = (node, now + lease + LeaseLength.Drift(lease));
                    granted.Add(shard);
                }
            }
            else if (holder == node)
            {
                _shards[shard] = (null, TimeSpan.Zero);
            }
        }

        return [.. granted];
    }

    /// <summary>Who holds <paramref name="shard"/>'s lease at <paramref name="now"/>; null when none does.</summary>
    public string? Holder(int shard, TimeSpan now) => shard < _shards.Count && _shards[shard] is { Holder: { } holder } held && held.Until > now ? holder : null;

    /// <summary>Each shard's holder and how long its lease has left at <paramref name="now"/>; none once it has lapsed.</summary>
    public ShardLease[] Snapshot(int shardCount, TimeSpan now) =>
        [.. Enumerable.Range(0, shardCount).Select(s => s < _shards.Count && _shards[s] is { Holder: { } holder } held && held.Until > now
            ? new ShardLease(s, holder, (int)Math.Ceiling((held.Until - now).TotalMilliseconds))
            : new ShardLease(s, null, 0))];
}
