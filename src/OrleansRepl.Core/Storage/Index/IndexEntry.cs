namespace OrleansRepl.Core.Storage.Index;

/// <summary>Where the winning record for a key lives: segment slot, byte offset and length of the whole record.</summary>
internal readonly record struct IndexEntry(RecordVersion Version, int Slot, long Offset, int Length, bool Tombstone);
