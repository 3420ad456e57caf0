using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Silo.Node;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Grains.Topology;

namespace OrleansRepl.Silo.Workers;

/// <summary>The supervisor's anti-entropy loops: one per peer link of this node.</summary>
public sealed partial class ReplicationSupervisor
{
    private async Task ReconcileAntiEntropyAsync()
    {
        var topology = _node.Topology;
        var wanted = topology?.Node(_node.NodeId) is null ? [] : topology.PeersOf(_node.NodeId);
        foreach (var peer in wanted)
        {
            var grain = _grains.Peer(_node.NodeId, peer);
            var status = await grain.GetStatusAsync();
            var address = status.Address ?? topology!.Node(peer)!.ReplicationAddress; // an address configured on the PeerGrain wins
            AntiEntropyRun? run;
            lock (_peers)
            {
                _peers.TryGetValue(peer, out run);
            }

            if (run is not null && (run.Address != address || run.IntervalSeconds != status.IntervalSeconds || run.Task.IsCompleted))
            {
                await StopPeerAsync(peer, run);
                run = null;
            }

            if (run is null)
            {
                run = StartAntiEntropy(peer, address, status.IntervalSeconds);
                lock (_peers)
                {
                    _peers[peer] = run;
                }
            }

            await grain.ReportErrorAsync(run.Loop.LastError);
        }

        List<KeyValuePair<string, AntiEntropyRun>> unwanted;
        lock (_peers)
        {
            unwanted = [.. _peers.Where(p => !wanted.Contains(p.Key))];
        }

        foreach (var (peer, run) in unwanted)
        {
            await StopPeerAsync(peer, run);
        }
    }

    /// <summary>The last pull of each running anti-entropy loop that has finished one, by peer.</summary>
    public IReadOnlyList<AntiEntropyCycle> LastAntiEntropyCycles()
    {
        lock (_peers)
        {
            return [.. _peers.Values.Select(r => r.Loop.LastReport).OfType<AntiEntropyReport>()
                .Select(r => new AntiEntropyCycle(r.Peer, r.InSync, r.Missing, r.Applied, r.Pending, r.MetadataBytes, r.SegmentBytes, r.RoundTrips))];
        }
    }

    private AntiEntropyRun StartAntiEntropy(string peer, string address, double intervalSeconds)
    {
        var loop = new AntiEntropyLoop(_node.Store!, NodeEndPoint.Parse(address, $"replication address of peer {peer}"), _node.Credentials,
            // The first cycle waits a jittered interval: a node that just joined is streaming the same segments.
            _options.AntiEntropy with { Interval = TimeSpan.FromSeconds(intervalSeconds), InitialDelay = TimeSpan.FromSeconds(intervalSeconds * (0.5 + Random.Shared.NextDouble() / 2)) }, new GrainPeerCursorStore(_grains, _node.NodeId), null, _loggers.CreateLogger<AntiEntropyLoop>())
        {
            ExpectedPeer = peer, // a node at a stale or reused address is not taken for the peer
        };
        var stop = new CancellationTokenSource();
        LogAntiEntropy(_logger, _node.NodeId, peer, address, intervalSeconds);
        return new AntiEntropyRun(loop, address, intervalSeconds, stop, Task.Run(() => loop.RunAsync(stop.Token), CancellationToken.None));
    }

    private async Task StopPeerAsync(string peer, AntiEntropyRun run)
    {
        lock (_peers)
        {
            _peers.Remove(peer);
        }

        await StopRunAsync(run, $"the anti-entropy loop with {peer}");
    }
}
