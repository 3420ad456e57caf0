using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Grains.Topology;

/// <summary>Promotion by hand: which shards move, and whether a move would lose a write some member acknowledged.</summary>
public sealed partial class ReplicaSetGrain
{
    /// <summary>How long a promotion waits for the node's own answer of what it holds.</summary>
    private static readonly TimeSpan AskHoldingsFor = TimeSpan.FromSeconds(2);

    public async Task<ReplicaSetTopology> PromoteAsync(string node, int[]? shards = null, bool force = false)
    {
        await TakeChargeAsync();
        var set = state.State.Copy();
        if (set.Nodes.All(n => n.NodeId != node))
        {
            throw new InvalidOperationException($"node {node} is not a member of replica set {GrainKey}; add it first");
        }

        if (shards is not null && (shards.Length == 0 || shards.Any(s => s < 0 || s >= set.ShardCount)))
        {
            throw new ArgumentOutOfRangeException(nameof(shards), string.Join(',', shards), $"replica set {GrainKey} has shards 0..{set.ShardCount - 1}; name one or more of them");
        }

        var moves = MovesTo(set, node, shards);
        if (!force && moves.Any(m => Unacknowledged(m) is not null) && await HoldingsAsync(node) is { } held)
        {
            // Reports come with lease renewals, so the last one may predate what the node holds now (as right after an
            // orepl wait): judge by what it holds at this moment.
            _reports.Record(node, new NodeReport(held, (_reports.Of(node) ?? NodeReport.None).Acknowledged), Now);
            moves = MovesTo(set, node, shards);
        }

        if (!force && moves.Select(Unacknowledged).FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new InvalidOperationException($"promoting {node} in replica set {GrainKey} would lose acknowledged writes: {problem}. Wait until it holds them (orepl wait), promote a member that does, or force it (orepl promote --force) to accept losing them");
        }

        set.Epoch++;
        foreach (var move in moves)
        {
            set.Leaders[move.Shard] = node;
        }

        set.LastChange = new LeaderChange(DateTimeOffset.UtcNow, force ? "promoted by an operator, forced" : "promoted by an operator", set.Epoch, Automatic: false, force, moves);
        return await CommitAsync(set);
    }

    private LeaderMove[] MovesTo(ReplicaSetState set, string node, int[]? shards) =>
        [.. (shards ?? [.. Enumerable.Range(0, set.ShardCount)]).Distinct().Order()
            .Where(s => set.Leaders[s] != node)
            .Select(s => new LeaderMove(s, set.Leaders[s], node, _reports.Of(set.Leaders[s])?.Lsn(s), _reports.Of(node)?.Lsn(s)))];

    /// <summary>The last LSN of each shard <paramref name="node"/>'s store holds committed now, asked of it; null when it cannot say within <see cref="AskHoldingsFor"/>.</summary>
    private async Task<long[]?> HoldingsAsync(string node)
    {
        try
        {
            var status = await GrainFactory.Node(node).GetStatusAsync().WaitAsync(AskHoldingsFor);
            return status.StoreRoot is null || status.Shards.Count != state.State.ShardCount ? null : [.. status.Shards.OrderBy(s => s.Shard).Select(s => s.NextLsn - 1)];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null; // unreachable or starting: its last report stands
        }
    }

    /// <summary>Why <paramref name="move"/> would lose a write some member acknowledged with acks of one or more; null when it would not.</summary>
    private string? Unacknowledged(LeaderMove move)
    {
        var floor = _reports.AcknowledgedThrough(move.Shard);
        if (floor == 0)
        {
            return null;
        }

        return move.ToLsn switch
        {
            null => $"shard {move.Shard} has acknowledged writes through LSN {floor}, and {move.To} has not reported what it holds since this grain took charge",
            { } held when held < floor => $"shard {move.Shard} has acknowledged writes through LSN {floor}, and {move.To} holds through LSN {held}",
            _ => null,
        };
    }
}
