using OrleansRepl.Core.Replication.AntiEntropy;

namespace OrleansRepl.Grains.Peers;

/// <summary>One node's anti-entropy with one peer (key <see cref="Keys.PeerKey"/>, <c>{node}/{peer}</c>): where the peer is, how often to pull, and the durable cursor.</summary>
public interface IPeerGrain : IGrainWithStringKey
{
    Task ConfigureAsync(string address, double intervalSeconds);

    Task<PeerCursorRecord?> LoadCursorAsync();

    Task SaveCursorAsync(PeerCursorRecord cursor);

    Task<PeerStatus> GetStatusAsync();

    /// <summary>Starts an anti-entropy cycle with the peer now; refused when the node runs no loop for it.</summary>
    Task SyncNowAsync();

    /// <summary>The loop reports the end of a cycle: null when it succeeded, else what went wrong.</summary>
    Task ReportErrorAsync(string? error);
}

[GenerateSerializer, Immutable]
public sealed record PeerStatus(string Key, string? Address, double IntervalSeconds, string? LastKnownPeerRoot, int SegmentsPending, DateTimeOffset? LastAttempt, long SegmentsAppliedTotal, string? LastError);
