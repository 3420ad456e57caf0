namespace OrleansRepl.Grains.Peers;

/// <summary>One node's anti-entropy with one peer (key <c>{node}/{peer}</c>): where the peer is, how often to pull, and the durable cursor.</summary>
public interface IPeerGrain : IGrainWithStringKey
{
    Task ConfigureAsync(string address, double intervalSeconds);

    Task<PeerCursorRecord?> LoadCursorAsync();

    Task SaveCursorAsync(PeerCursorRecord cursor);

    Task<PeerStatus> GetStatusAsync();
}

/// <summary>A peer cursor in a form that crosses any wire: hashes as hex.</summary>
public sealed record PeerCursorRecord(string? LastKnownPeerRoot, IReadOnlyList<string> SegmentsPending, DateTimeOffset? LastAttempt, long SegmentsAppliedTotal);

public sealed record PeerStatus(string Key, string? Address, double IntervalSeconds, string? LastKnownPeerRoot, int SegmentsPending, DateTimeOffset? LastAttempt, long SegmentsAppliedTotal);
