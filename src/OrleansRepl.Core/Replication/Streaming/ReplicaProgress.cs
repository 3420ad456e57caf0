namespace OrleansRepl.Core.Replication.Streaming;

/// <summary>
/// What a leader knows of its followers' durable logs: per shard, the last LSN each follower acknowledged (a follower
/// acknowledges a batch once it is committed under its own fsync policy) and the epoch it was acknowledged under. A
/// write can wait here until enough followers hold it. Only acknowledgements under the epoch asked about count: a
/// log acknowledged under an earlier leader may have been rolled back since.
/// </summary>
public sealed class ReplicaProgress
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(int Shard, string Node), (long Epoch, long Lsn)> _acknowledged = [];
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>How long each follower takes to acknowledge what this leader commits.</summary>
    public ReplicationLag Lag { get; } = new();

    /// <summary>Records that <paramref name="node"/> holds <paramref name="shard"/> through <paramref name="lsn"/> under <paramref name="epoch"/>; LSNs only move forward within an epoch.</summary>
    public void Acknowledged(int shard, string node, long epoch, long lsn)
    {
        ArgumentNullException.ThrowIfNull(node);
        Lag.Acknowledged(shard, node, lsn, System.Diagnostics.Stopwatch.GetTimestamp());
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (_acknowledged.TryGetValue((shard, node), out var known) && known.Epoch == epoch && known.Lsn >= lsn)
            {
                return;
            }

            _acknowledged[(shard, node)] = (epoch, lsn);
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    /// <summary>How many followers hold <paramref name="shard"/> through <paramref name="lsn"/> under <paramref name="epoch"/>.</summary>
    public int Count(int shard, long epoch, long lsn)
    {
        lock (_gate)
        {
            return CountLocked(shard, epoch, lsn);
        }
    }

    /// <summary>Each follower's last acknowledged LSN of <paramref name="shard"/> under <paramref name="epoch"/>, by node.</summary>
    public IReadOnlyDictionary<string, long> Of(int shard, long epoch)
    {
        lock (_gate)
        {
            return _acknowledged.Where(e => e.Key.Shard == shard && e.Value.Epoch == epoch).ToDictionary(e => e.Key.Node, e => e.Value.Lsn, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Waits until <paramref name="replicas"/> followers hold <paramref name="shard"/> through <paramref name="lsn"/>
    /// under <paramref name="epoch"/>, or <paramref name="timeout"/> passes; returns how many hold it then (fewer than
    /// asked on a timeout). Cancellation throws.
    /// </summary>
    public async ValueTask<int> WaitAsync(int shard, long epoch, long lsn, int replicas, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var count = CountLocked(shard, epoch, lsn);
                if (count >= replicas)
                {
                    return count;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Count(shard, epoch, lsn);
            }
        }
    }

    private int CountLocked(int shard, long epoch, long lsn)
    {
        var count = 0;
        foreach (var ((s, _), (e, l)) in _acknowledged)
        {
            if (s == shard && e == epoch && l >= lsn)
            {
                count++;
            }
        }

        return count;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
