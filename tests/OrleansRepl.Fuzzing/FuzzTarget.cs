namespace OrleansRepl.Fuzzing;

/// <summary>What a decoder made of one input.</summary>
public enum FuzzVerdict
{
    /// <summary>Taken as valid.</summary>
    Accepted,

    /// <summary>Refused with one of the decoder's own errors, and nothing of it applied.</summary>
    Rejected,

    /// <summary>Refused, but something of it was applied anyway: a finding.</summary>
    AppliedThoughRejected,
}

/// <summary>
/// One decoder that reads bytes from outside: valid inputs to mutate, the decoding itself, and which exceptions are
/// its own refusals. Any other exception is a crash.
/// </summary>
/// <param name="Name">The decoder, as reports name it.</param>
/// <param name="Seeds">Valid inputs.</param>
/// <param name="Decode">Decodes (and where it applies, applies) one input.</param>
/// <param name="IsRefusal">Whether an exception is the decoder refusing its input, not a crash.</param>
public sealed record FuzzTarget(string Name, IReadOnlyList<byte[]> Seeds, Func<byte[], FuzzVerdict> Decode, Func<Exception, bool> IsRefusal);
