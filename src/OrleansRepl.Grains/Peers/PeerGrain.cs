using OrleansRepl.Core.Replication.AntiEntropy;

namespace OrleansRepl.Grains.Peers;

/// <summary>Durable state of a <see cref="PeerGrain"/>.</summary>
public sealed class PeerGrainState
{
    public string? Address { get; set; }

    public double IntervalSeconds { get; set; } = 30;

    public PeerCursorRecord? Cursor { get; set; }

    public string? LastError { get; set; }

    public PeerGrainState Copy() => new() { Address = Address, IntervalSeconds = IntervalSeconds, Cursor = Cursor, LastError = LastError };
}

/// <summary>Holds one peer's anti-entropy settings and cursor; every save is written (the loop saves once per step).</summary>
public sealed class PeerGrain([PersistentState("peer")] IPersistentState<PeerGrainState> state, IAntiEntropyTrigger? trigger = null) : Grain, IPeerGrain
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
        return Task.FromResult(new PeerStatus(GrainKey, state.State.Address, state.State.IntervalSeconds, cursor?.LastKnownPeerRoot, cursor?.SegmentsPending.Count ?? 0, cursor?.LastAttempt, cursor?.SegmentsAppliedTotal ?? 0, state.State.LastError));
    }

    public Task SyncNowAsync()
    {
        var peer = Keys.PeerKey.Parse(GrainKey).Peer;
        return trigger?.SyncNow(peer) == true
            ? Task.CompletedTask
            : throw new InvalidOperationException($"{GrainKey}: this node runs no anti-entropy loop for peer {peer} (is it a peer in the topology?)");
    }

    public async Task ReportErrorAsync(string? error)
    {
        if (error != state.State.LastError)
        {
            await state.WriteChangedAsync(s => s.Copy(), s => s.LastError = error);
        }
    }
}
