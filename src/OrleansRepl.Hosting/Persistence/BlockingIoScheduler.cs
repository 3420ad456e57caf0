using System.Collections.Concurrent;

namespace OrleansRepl.Hosting.Persistence;

/// <summary>
/// Threads of their own for work that blocks: Microsoft.Data.Sqlite's "async" calls run synchronously, and a
/// commit with <c>synchronous = FULL</c> waits for an fsync. On the shared thread pool of a small node those
/// waits starve the replication workers (a silo's follower lost a tenth of its catch-up rate to them), so
/// SQLite work runs here instead. Threads are background threads: they never hold a process open.
/// </summary>
internal sealed class BlockingIoScheduler : TaskScheduler
{
    private readonly BlockingCollection<Task> _queue = [];
    private readonly HashSet<int> _threadIds = [];

    public BlockingIoScheduler(string name, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        for (var i = 0; i < threads; i++)
        {
            var thread = new Thread(Run) { IsBackground = true, Name = $"{name} {i}" };
            lock (_threadIds)
            {
                thread.Start();
                _threadIds.Add(thread.ManagedThreadId);
            }
        }
    }

    public override int MaximumConcurrencyLevel => _threadIds.Count;

    /// <summary>Runs <paramref name="work"/> (and every continuation of it) on these threads.</summary>
    public Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    protected override void QueueTask(Task task) => _queue.Add(task);

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued)
    {
        bool ours;
        lock (_threadIds)
        {
            ours = _threadIds.Contains(Environment.CurrentManagedThreadId);
        }

        return ours && TryExecuteTask(task);
    }

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void Run()
    {
        foreach (var task in _queue.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }
}
