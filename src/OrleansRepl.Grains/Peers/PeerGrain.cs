using OrleansRepl.Core.Replication.AntiEntropy;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Placement;

namespace OrleansRepl.Grains.Peers;

/// <summary>Holds one peer's anti-entropy settings and cursor; every save is written (the loop saves once per step).</summary>
[NodeAffinePlacement]
public sealed class PeerGrain([PersistentState("peer", GrainStorageNames.Node)] IPersistentState<PeerGrainState> state) : Grain, IPeerGrain
{
    public async Task ConfigureAsync(string address, double intervalSeconds)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        if (intervalSeconds <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(intervalSeconds), intervalSeconds, "the anti-entropy interval must be positive");
        }

        await state.WriteChangedAsync(s => s.Copy(), s => (s.Address, s.IntervalSeconds) = (address, intervalSeconds));
    }

    public Task<PeerCursorRecord?> LoadCursorAsync() => Task.FromResult(state.State.Cursor);

    public async Task SaveCursorAsync(PeerCursorRecord cursor)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        await state.WriteChangedAsync(s => s.Copy(), s => s.Cursor = cursor);
    }

    public Task<PeerStatus> GetStatusAsync()
    {
        var cursor = state.State.Cursor;
        return Task.FromResult(new PeerStatus(this.GetPrimaryKeyString(), state.State.Address, state.State.IntervalSeconds, cursor?.LastKnownPeerRoot, cursor?.SegmentsPending.Count ?? 0,
            cursor?.LastAttempt, cursor?.SegmentsAppliedTotal ?? 0, state.State.LastError));
    }

    /// <summary>Asks the node's workers, through its node grain, to start a cycle with the peer now.</summary>
    public Task SyncNowAsync()
    {
        var key = PeerKey.Parse(this.GetPrimaryKeyString());
        return GrainFactory.Node(key.Node).SyncNowAsync(key.Peer);
    }

    public async Task ReportErrorAsync(string? error)
    {
        if (error != state.State.LastError)
        {
            await state.WriteChangedAsync(s => s.Copy(), s => s.LastError = error);
        }
    }
}
