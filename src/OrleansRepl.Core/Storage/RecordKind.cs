namespace OrleansRepl.Core.Storage;

/// <summary>What a log entry does. The values are part of the on-disk and wire format.</summary>
public enum RecordKind : byte
{
    /// <summary>Sets a key to a value.</summary>
    Put = 1,

    /// <summary>Removes a key; kept as a tombstone so the removal wins over older puts elsewhere.</summary>
    Delete = 2,

    /// <summary>Ends the active segment. It carries an LSN like any entry, so followers seal at the same point.</summary>
    Seal = 3,
}
