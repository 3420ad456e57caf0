using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>One shard frozen for export: its sealed segments (immutable files) and a copy of its committed active bytes.</summary>
internal sealed record ShardSnapshot(long NextLsn, long ActiveFirstLsn, byte[] Active, IReadOnlyList<SealedSegmentEntry> Sealed, Func<string, string> PathOf);
