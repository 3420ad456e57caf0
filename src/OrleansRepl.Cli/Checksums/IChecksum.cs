namespace OrleansRepl.Cli.Checksums;

/// <summary>One running digest of one input; disposed when its line is printed or its input failed.</summary>
internal interface IChecksum : IDisposable
{
    void Append(ReadOnlySpan<byte> data);

    /// <summary>The digest of everything appended, as the hex that starts its output line.</summary>
    string ToHex();
}
