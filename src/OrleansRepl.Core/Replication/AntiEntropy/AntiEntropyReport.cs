using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>
/// One pull from one peer. Roots are segment-set roots (the tree over sealed segments). Metadata bytes are
/// every frame both ways except the segments' own bytes: what finding the differences cost.
/// </summary>
public sealed record AntiEntropyReport(
    string Peer,
    Blake3Hash PeerRoot,
    Blake3Hash LocalRootBefore,
    Blake3Hash LocalRootAfter,
    int Resumed,
    int Missing,
    int Applied,
    int AlreadyHeld,
    int Pending,
    long MetadataBytes,
    long SegmentBytes,
    int RoundTrips)
{
    public bool InSync => PeerRoot == LocalRootBefore;
}
