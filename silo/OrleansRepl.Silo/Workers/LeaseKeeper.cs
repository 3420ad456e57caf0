using System.Diagnostics;
using Microsoft.Extensions.Options;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Silo.Node;

namespace OrleansRepl.Silo.Workers;

/// <summary>
/// Keeps this node's leader leases: every third of a lease (and at once when a new topology is taken) it asks the
/// replica set grain to renew them, waiting at most that long for the answer. Every member renews, leading or not,
/// with its report (<see cref="NodeReport"/>): that is how the grain knows who is live and who holds the most.
/// A node that cannot reach the grain stops taking writes when its lease lapses, counted from when it last asked.
/// Writes to shards it no longer leads were fenced when the topology came; it waits for them to drain before a
/// renewal gives those leases back.
/// </summary>
public sealed partial class LeaseKeeper(LocalNode node, IOptions<NodeOptions> options, IGrainFactory grains, ILogger<LeaseKeeper> logger) : BackgroundService
{
    private string? _lastError;
    private string _lastHeld = "";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var topology = node.Topology;
            var every = LeaseLength.RenewEvery(TimeSpan.FromMilliseconds(topology?.LeaseMilliseconds ?? LeaseLength.DefaultMilliseconds));
            var next = node.NextTopology;
            if (topology?.Node(node.NodeId) is not null) // followers too: a member that stops renewing is not live, and is never failed over to
            {
                await RenewAsync(topology, every, stoppingToken);
            }

            await Task.WhenAny(next, Task.Delay(every, stoppingToken)); // a stop ends the delay, and the loop with it
        }
    }

    private async Task RenewAsync(ReplicaSetTopology topology, TimeSpan wait, CancellationToken cancellationToken)
    {
        foreach (var shard in node.LeasedShards().Where(s => s >= topology.Leaders.Count || topology.Leaders[s] != node.NodeId))
        {
            await node.DrainWritesAsync(shard, cancellationToken); // fenced already; the renewal gives the lease back
        }

        var askedAt = Stopwatch.GetTimestamp();
        try
        {
            var grant = await grains.ReplicaSet(options.Value.ReplicaSet).RenewLeaseAsync(node.NodeId, topology.Epoch, node.Report()).WaitAsync(wait, cancellationToken);
            if (node.ApplyLease(grant, askedAt))
            {
                _lastError = null;
                var held = string.Join(',', grant.Shards);
                if (held != _lastHeld)
                {
                    LogLeases(logger, node.NodeId, held.Length == 0 ? "none" : held, topology.Epoch, grant.Milliseconds);
                    _lastHeld = held;
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            var reason = e is TimeoutException ? $"no answer within {wait.TotalMilliseconds:0} ms" : e.Message;
            node.LeaseError = reason;
            if (_lastError != reason)
            {
                var left = node.LeasedShards();
                LogRenewalFailed(logger, node.NodeId, reason, left.Count == 0 ? "none" : string.Join(',', left));
                _lastError = reason;
            }
        }
    }

    [LoggerMessage(EventId = 1021, Level = LogLevel.Information, Message = "node {Node} holds the leases of shards {Shards} at epoch {Epoch} ({Milliseconds} ms each, renewed every third)")]
    private static partial void LogLeases(ILogger logger, string node, string shards, long epoch, int milliseconds);

    [LoggerMessage(EventId = 1022, Level = LogLevel.Warning, Message = "node {Node} could not renew its leases ({Reason}); it stops taking writes for each shard as its lease lapses (still held: {Shards})")]
    private static partial void LogRenewalFailed(ILogger logger, string node, string reason, string shards);
}
