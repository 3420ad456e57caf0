namespace OrleansRepl.Core.Storage;

/// <summary>When appended records are forced to stable storage.</summary>
public enum FsyncMode
{
    /// <summary>Every commit is fsynced before the write call returns: acknowledged means durable.</summary>
    Always,

    /// <summary>Records reach the OS before the call returns and are fsynced every <see cref="StoreOptions.FsyncInterval"/>; a machine crash loses at most that window.</summary>
    Interval,

    /// <summary>Records reach the OS before the call returns; the OS decides when they reach the disk.</summary>
    Never,
}
