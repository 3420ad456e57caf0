using System.CommandLine;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Cli.Checksums;

/// <summary><c>orepl crc32c</c>: the CRC-32C of files, as eight hex digits per line.</summary>
internal static class Crc32CCommand
{
    public static Command Create(Func<Stream> openStandardInput)
    {
        var files = new Argument<string[]>("FILE") { Description = "Files to checksum; - (or none) reads standard input.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("crc32c", "Print the CRC-32C (Castagnoli) of each file.") { files };
        command.SetAction((parse, cancellationToken) => Task.FromResult(ChecksumFiles.Print(
            "crc32c", parse.GetValue(files), () => new Crc32CChecksum(), openStandardInput,
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken)));
        return command;
    }

    private sealed class Crc32CChecksum : IChecksum
    {
        private readonly System.IO.Hashing.Crc32 _crc = Crc32C.Running();

        public void Append(ReadOnlySpan<byte> data) => _crc.Append(data);

        public string ToHex() => _crc.GetCurrentHashAsUInt32().ToString("x8", System.Globalization.CultureInfo.InvariantCulture);

        public void Dispose()
        {
        }
    }
}
