using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Storage;

/// <summary>What a full verification read: records (seals included), sealed segments, and the store root.</summary>
public sealed record StoreVerifyReport(long Records, int Segments, Blake3Hash StoreRoot);
