namespace OrleansRepl.Cli.Checksums;

/// <summary>The loop every checksum command shares: one line per input, errors named on stderr, the rest still processed.</summary>
internal static class ChecksumFiles
{
    /// <summary>Prints a line for each of <paramref name="paths"/> (standard input when none); returns 1 if any input failed, else 0.</summary>
    public static int Print(
        string command, string[]? paths, Func<IChecksum> newChecksum, Func<Stream> openStandardInput,
        TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var exitCode = 0;
        foreach (var path in paths is { Length: > 0 } ? paths : [InputReader.StandardInputName])
        {
            using var checksum = newChecksum();
            try
            {
                InputReader.ReadAll(path, openStandardInput, checksum.Append, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"orepl {command}: {InputReader.Describe(path, e)}");
                exitCode = 1;
                continue;
            }

            output.WriteLine(ChecksumLine.Format(checksum.ToHex(), path));
        }

        return exitCode;
    }
}
