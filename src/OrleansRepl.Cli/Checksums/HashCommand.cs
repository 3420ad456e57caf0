using System.CommandLine;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Cli.Checksums;

/// <summary><c>orepl hash</c>: BLAKE3 of files, line for line what b3sum prints.</summary>
internal static class HashCommand
{
    /// <summary>The line is built in memory, so output length is bounded; 64 MiB is far beyond any key or digest use.</summary>
    private const long MaxOutputLength = 64L << 20;

    public static Command Create(Func<Stream> openStandardInput)
    {
        var keyed = new Option<string?>("--keyed") { Description = "Keyed mode, with this 32-byte key given as 64 hex digits.", HelpName = "KEYHEX" };
        var deriveKey = new Option<string?>("--derive-key") { Description = "Key derivation mode, with this context string.", HelpName = "CONTEXT" };
        var length = new Option<long>("--length", "-l") { Description = "Bytes of output per file.", DefaultValueFactory = _ => Blake3Hash.Size, HelpName = "N" };
        var files = new Argument<string[]>("FILE") { Description = "Files to hash; - (or none) reads standard input.", Arity = ArgumentArity.ZeroOrMore };

        var command = new Command("hash", "Print the BLAKE3 hash of each file, as b3sum does.") { keyed, deriveKey, length, files };
        // Option validators run only for options that were given, so defaults never trip them.
        keyed.Validators.Add(result =>
        {
            if (KeyError(result.GetValueOrDefault<string?>() ?? string.Empty) is { } keyError)
            {
                result.AddError(keyError);
            }
        });
        length.Validators.Add(result =>
        {
            var bytes = result.GetValueOrDefault<long>();
            if (bytes is < 1 or > MaxOutputLength)
            {
                result.AddError($"--length must be between 1 and {MaxOutputLength} bytes, got {bytes}");
            }
        });
        command.Validators.Add(result =>
        {
            if (result.GetResult(keyed) is not null && result.GetResult(deriveKey) is not null)
            {
                result.AddError("--keyed and --derive-key select different modes; give at most one");
            }
        });

        command.SetAction((parse, cancellationToken) =>
        {
            var key = parse.GetValue(keyed);
            var context = parse.GetValue(deriveKey);
            var outputLength = parse.GetValue(length);
            Func<Blake3Hasher> newHasher = key is not null
                ? () => Blake3Hasher.CreateKeyed(Convert.FromHexString(key))
                : context is not null
                    ? () => Blake3Hasher.CreateDeriveKey(context)
                    : () => new Blake3Hasher();
            return Task.FromResult(ChecksumFiles.Print(
                "hash", parse.GetValue(files), () => new Blake3Checksum(newHasher(), outputLength), openStandardInput,
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        });
        return command;
    }

    private static string? KeyError(string keyHex)
    {
        if (keyHex.Length % 2 != 0 || !keyHex.All(char.IsAsciiHexDigit))
        {
            return $"--keyed takes the key as hex digits; \"{keyHex}\" is not hex";
        }

        var bytes = keyHex.Length / 2;
        return bytes == Blake3Hasher.KeySize ? null : $"--keyed: a BLAKE3 key is {Blake3Hasher.KeySize} bytes ({Blake3Hasher.KeySize * 2} hex digits), got {bytes} bytes";
    }

    /// <summary>A hasher whose line shows <c>length</c> bytes of extended output, written out in pieces.</summary>
    private sealed class Blake3Checksum(Blake3Hasher hasher, long length) : IChecksum
    {
        public void Append(ReadOnlySpan<byte> data) => hasher.Update(data);

        public void Dispose() => hasher.Dispose();

        public string ToHex()
        {
            var hex = new System.Text.StringBuilder(checked((int)(length * 2)));
            Span<byte> piece = stackalloc byte[4096];
            for (var at = 0L; at < length;)
            {
                var take = (int)Math.Min(length - at, piece.Length);
                hasher.Finalize((ulong)at, piece[..take]);
                hex.Append(Convert.ToHexStringLower(piece[..take]));
                at += take;
            }

            return hex.ToString();
        }
    }
}
