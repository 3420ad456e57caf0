using OrleansRepl.Core.Replication.AntiEntropy;

namespace OrleansRepl.Grains.Peers;

/// <summary>Durable state of the peer grain: where the peer is, how often to pull, the cursor, the last error.</summary>
[GenerateSerializer]
public sealed class PeerGrainState
{
    [Id(0)]
    public string? Address { get; set; }

    [Id(1)]
    public double IntervalSeconds { get; set; } = 30;

    [Id(2)]
    public PeerCursorRecord? Cursor { get; set; }

    [Id(3)]
    public string? LastError { get; set; }

    public PeerGrainState Copy() => new() { Address = Address, IntervalSeconds = IntervalSeconds, Cursor = Cursor, LastError = LastError };
}
