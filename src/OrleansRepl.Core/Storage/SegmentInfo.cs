using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Storage;

/// <summary>A sealed segment as listed to peers and operators.</summary>
public sealed record SegmentInfo(int Shard, Blake3Hash Hash, long FirstLsn, long LastLsn, long Bytes, long Records, bool Imported);
