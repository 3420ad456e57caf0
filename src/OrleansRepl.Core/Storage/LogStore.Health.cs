namespace OrleansRepl.Core.Storage;

/// <summary>
/// Failed shards and their reopening. A shard that cannot write its log (a full disk, EIO on a flush or an fsync)
/// stops taking writes at once; the store then reopens it from its files, as a restart would, after
/// <see cref="StoreOptions.ShardReopenDelay"/>, doubling up to 30 s while it keeps failing. Reopening runs the same
/// recovery as an open: the unfinished write is a torn tail and is cut; every acknowledged write is on disk.
/// </summary>
public sealed partial class LogStore
{
    private static readonly TimeSpan MaxReopenDelay = TimeSpan.FromSeconds(30);

    private readonly Lock _healthGate = new();
    private readonly List<Shard> _retired = [];
    private ShardHealth?[] _failed = [];
    private Task?[] _reopening = [];

    /// <summary>Whether <paramref name="shard"/> takes writes, and if not, why, since when and how reopening goes.</summary>
    public ShardHealth Health(int shard)
    {
        ShardAt(shard);
        lock (_healthGate)
        {
            return _failed[shard] ?? ShardHealth.Healthy(shard);
        }
    }

    private void WatchFailures()
    {
        _failed = new ShardHealth?[_shards.Length];
        _reopening = new Task?[_shards.Length];
        foreach (var shard in _shards)
        {
            shard.Failed += OnShardFailed;
        }
    }

    private void OnShardFailed(Shard shard, ShardFailedException failure)
    {
        lock (_healthGate)
        {
            if (_stopping.IsCancellationRequested || _reopening[shard.Id] is { IsCompleted: false })
            {
                return;
            }

            _failed[shard.Id] = new ShardHealth(shard.Id, true, failure.InnerException?.Message ?? failure.Message, Options.Time.GetUtcNow(), 0, null);
            _reopening[shard.Id] = Task.Run(() => ReopenUntilHealthyAsync(shard.Id, _stopping.Token));
        }
    }

    private async Task ReopenUntilHealthyAsync(int id, CancellationToken stopping)
    {
        var delay = Options.ShardReopenDelay;
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(delay, Options.Time, stopping);
                await ReopenAsync(id);
                lock (_healthGate)
                {
                    _failed[id] = null;
                }

                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Whatever the reopen met, the shard stays failed and the next attempt comes later: a reopen loop
                // that died here would leave the shard refusing writes until a restart.
                lock (_healthGate)
                {
                    _failed[id] = _failed[id]! with { ReopenAttempts = attempt, LastReopenError = e.Message };
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReopenDelay.Ticks));
            }
        }
    }

    /// <summary>Replaces the failed shard by one recovered from its files.</summary>
    private async ValueTask ReopenAsync(int id)
    {
        var old = _shards[id];
        await old.RetireAsync();
        var fresh = Shard.Open(id, ShardDirectory(Directory, id), Options, _clock, out _);
        fresh.Failed += OnShardFailed;
        lock (_healthGate)
        {
            _retired.Add(old); // readers may still hold its handles; they close with the store
            Volatile.Write(ref _shards[id], fresh);
        }
    }

    private async ValueTask StopReopeningAsync()
    {
        Task?[] pending;
        lock (_healthGate)
        {
            pending = [.. _reopening];
        }

        foreach (var task in pending)
        {
            if (task is not null)
            {
                await task;
            }
        }

        lock (_healthGate)
        {
            _retired.ForEach(s => s.Dispose());
            _retired.Clear();
        }
    }

    private static string ShardDirectory(string directory, int shard) => Path.Combine(directory, Shard.DirectoryName(shard));
}

/// <summary>
/// A shard's write health: <see cref="Failed"/> with the <see cref="Cause"/> and the time it failed, how many reopen
/// attempts have failed since and the last one's error. A failed shard refuses writes; reads go on.
/// </summary>
public sealed record ShardHealth(int Shard, bool Failed, string? Cause, DateTimeOffset? Since, int ReopenAttempts, string? LastReopenError)
{
    public static ShardHealth Healthy(int shard) => new(shard, false, null, null, 0, null);
}
