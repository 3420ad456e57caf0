using System.Diagnostics;
using System.Globalization;
using OrleansRepl.Core.Replication.Bootstrap;
using OrleansRepl.Core.Replication.Streaming.Follower;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Silo.Node;
using OrleansRepl.Grains.Keys;

namespace OrleansRepl.Silo.Workers;

/// <summary>
/// The supervisor's bootstrap: the BootstrapGrain asked for one (an operator, or a shard that needs a restore).
/// Every worker stops and the store closes; a store holding data is set aside (never deleted), an empty one is
/// removed; the snapshot is pulled with the grain as the intent log, so a silo killed mid-transfer resumes
/// from the last checkpoint when it starts again. Progress goes to the grain every half second, and the grain's
/// request is read again each time: once it is no longer requested or running (cancelled), the transfer stops.
/// </summary>
public sealed partial class ReplicationSupervisor
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    private BootstrapProgressTracker? _bootstrap;

    /// <summary>The running bootstrap's progress; null when none runs.</summary>
    public BootstrapProgress? CurrentBootstrap => Volatile.Read(ref _bootstrap)?.Snapshot();

    private async Task RunBootstrapAsync(BootstrapStatus request, CancellationToken stopping)
    {
        var grain = _grains.Bootstrap(_node.NodeId);
        var topology = _node.Topology;
        if (topology is not null && topology.ShardsLedBy(_node.NodeId) is { Count: > 0 } led)
        {
            await grain.FinishAsync($"node {_node.NodeId} leads shards {string.Join(',', led)}; promote another node before bootstrapping this one", null);
            return;
        }

        if (topology?.Node(request.Source!) is not { } source)
        {
            await grain.FinishAsync($"bootstrap source {request.Source} is not a member of replica set {_options.ReplicaSet}", null);
            return;
        }

        _node.State = "bootstrapping";
        var clock = Stopwatch.StartNew();
        await StopWorkersAsync();
        var empty = _node.Store is { } open && IsEmpty(open);
        await CloseStoreAsync();
        if (empty)
        {
            Directory.Delete(_node.StoreDirectory, recursive: true); // nothing in it to keep
        }

        LogBootstrapStarting(_logger, _node.NodeId, source.NodeId, source.ReplicationAddress, request.Reason ?? "");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var progress = new BootstrapProgressTracker();
        Volatile.Write(ref _bootstrap, progress);
        var reporting = ReportBootstrapProgressAsync(grain, progress, cancel);
        try
        {
            var puller = new SnapshotPuller(NodeEndPoint.Parse(source.ReplicationAddress, $"replication address of {source.NodeId}"), _node.Credentials,
                _options.Bootstrap, new GrainBootstrapIntentLog(_grains, _node.NodeId), _loggers.CreateLogger<SnapshotPuller>(), source.NodeId);
            var (result, aside) = await ReplicaRestore.RestoreAsync(_node.StoreDirectory, _node.StoreOptions, puller, progress.Report, cancel.Token, progress.Started,
                asideLabel: _damage is not null || request.Reason?.Contains(" is damaged", StringComparison.Ordinal) == true ? "damaged" : "diverged", indexing: true);
            for (var shard = 0; shard < result.ShardLsns.Count; shard++)
            {
                // The old cursors described the replaced store; a cursor must never run ahead of its store.
                await _grains.Shard(_node.NodeId, shard).SaveCursorAsync(new FollowerCursor(result.ShardLsns[shard], 0, default, DateTimeOffset.UtcNow));
                await _grains.Shard(_node.NodeId, shard).FlushAsync();
            }

            await cancel.CancelAsync(); // stop the progress reports before the final word
            await reporting;
            var opening = Stopwatch.StartNew();
            OpenStore(result.Index); // serving before the grain says complete: whoever waits on it may use the node at once
            var summary = string.Create(CultureInfo.InvariantCulture,
                $"{result.Bytes} bytes from {result.Source} in {result.Elapsed.TotalSeconds:F2} s ({result.MegabytesPerSecond:F1} MB/s), resumed from {result.ResumedFrom}, root {result.StoreRoot}{(result.RestartReason is { } why ? $"; restarted from 0: {why}" : "")}{(aside is null ? "" : $"; the old store was set aside at {aside}")}; serving again after {clock.Elapsed.TotalSeconds:F2} s (the store opened in {opening.Elapsed.TotalSeconds:F2} s)");
            _damage = null;
            _node.State = "serving";
            await grain.FinishAsync(null, summary);
            _failedAt.Clear(); // a new store: every shard may follow at once
            LogBootstrapDone(_logger, _node.NodeId, summary);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            LogBootstrapInterrupted(_logger, _node.NodeId); // the intent stays open: the next start resumes it
            throw;
        }
        catch (OperationCanceledException)
        {
            await grain.FinishAsync("cancelled by the operator", null); // the grain already says cancelled; this keeps it so
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogBootstrapFailed(_logger, _node.NodeId, source.NodeId, e);
            await grain.FinishAsync(e.Message, null);
        }
        finally
        {
            Volatile.Write(ref _bootstrap, null);
            await cancel.CancelAsync();
            await reporting;
        }
    }

    private async Task ReportBootstrapProgressAsync(IBootstrapGrain grain, BootstrapProgressTracker progress, CancellationTokenSource cancel)
    {
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                await Task.Delay(ProgressInterval, cancel.Token);
                await grain.ReportProgressAsync(progress.Snapshot());
                if ((await grain.GetStatusAsync()).State is not ("requested" or "running"))
                {
                    await cancel.CancelAsync(); // cancelled by the operator
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static bool IsEmpty(LogStore store) =>
        store.ListSegments().Count == 0 && Enumerable.Range(0, store.ShardCount).All(s => store.NextLsn(s) == 1);

    /// <summary>The latest transfer progress, shared between the puller's callback and the reporter.</summary>
    private sealed class BootstrapProgressTracker
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private long _done;
        private long _total;
        private long _resumedFrom = -1;

        public void Started(BootstrapStart start) => Volatile.Write(ref _resumedFrom, start.Offset);

        public void Report(SnapshotProgress progress)
        {
            Volatile.Write(ref _total, progress.TotalBytes);
            Volatile.Write(ref _done, progress.BytesDone);
        }

        public BootstrapProgress Snapshot()
        {
            var done = Volatile.Read(ref _done);
            var from = Math.Max(0, Volatile.Read(ref _resumedFrom));
            var seconds = Stopwatch.GetElapsedTime(_started).TotalSeconds;
            return new BootstrapProgress(done, Volatile.Read(ref _total), seconds > 0 ? (done - from) / 1e6 / seconds : 0, from);
        }
    }
}
