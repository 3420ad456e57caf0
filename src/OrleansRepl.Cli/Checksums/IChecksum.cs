namespace OrleansRepl.Cli.Checksums;

/// <summary>One running digest of one input.</summary>
internal interface IChecksum
{
    void Append(ReadOnlySpan<byte> data);

    /// <summary>The digest of everything appended, as the hex that starts its output line.</summary>
    string ToHex();
}
