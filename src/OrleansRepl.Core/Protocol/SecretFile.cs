namespace OrleansRepl.Core.Protocol;

/// <summary>
/// Files that hold secrets (the cluster secret, the API token): created readable by their owner only, in the same
/// call that creates them, and refused when read if anyone else may read them, or if they hold too little to guess at.
/// </summary>
public static class SecretFile
{
    /// <summary>The fewest bytes a secret may have.</summary>
    public const int MinimumBytes = 32;

    /// <summary>The least entropy a secret must show, estimated from its byte frequencies: 128 bits.</summary>
    public const double MinimumEntropyBits = 128;

    private const UnixFileMode OthersMayAccess = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates <paramref name="path"/> holding <paramref name="contents"/>, mode 0600 from its first instant; refuses a file that already exists.</summary>
    public static void Create(string path, ReadOnlySpan<byte> contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        file.Write(contents);
        file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// The secret in <paramref name="path"/> (one trailing newline is not part of it). Refused, naming the file and the
    /// reason, when others may read it, when it is shorter than <see cref="MinimumBytes"/>, or when its bytes show less
    /// than <see cref="MinimumEntropyBits"/> (a repeated character, a short word over and over).
    /// </summary>
    public static byte[] Read(string path, string what)
    {
        var bytes = ReadPrivate(path, what);
        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r')
        {
            length--;
        }

        if (length < MinimumBytes)
        {
            throw new InvalidOperationException($"the {what} file {path} holds {length} bytes; at least {MinimumBytes} are required");
        }

        var bits = EntropyBits(bytes.AsSpan(0, length));
        return bits >= MinimumEntropyBits
            ? bytes[..length]
            : throw new InvalidOperationException($"the {what} file {path} holds about {bits:F0} bits of entropy, fewer than {MinimumEntropyBits:F0}: generate it from a random source (head -c 48 /dev/urandom | base64)");
    }

    /// <summary>The bytes of <paramref name="path"/>, a file that holds a secret among other things (a connection string with its password); refused when others may read it.</summary>
    public static byte[] ReadPrivate(string path, string what)
    {
        try
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & OthersMayAccess) != 0)
            {
                throw new InvalidOperationException($"the {what} file {path} may be read by others (mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}); make it readable by its owner only (chmod 600)");
            }

            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"cannot read the {what} file {path}: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="secret"/> is long enough (<see cref="MinimumBytes"/>) and shows enough entropy (<see cref="MinimumEntropyBits"/>).</summary>
    public static bool IsStrong(ReadOnlySpan<byte> secret) => secret.Length >= MinimumBytes && EntropyBits(secret) >= MinimumEntropyBits;

    /// <summary>The entropy of <paramref name="secret"/> estimated from its byte frequencies: length × Shannon entropy per byte.</summary>
    public static double EntropyBits(ReadOnlySpan<byte> secret)
    {
        Span<int> counts = stackalloc int[256];
        foreach (var b in secret)
        {
            counts[b]++;
        }

        var perByte = 0.0;
        foreach (var count in counts)
        {
            if (count > 0)
            {
                var p = (double)count / secret.Length;
                perByte -= p * Math.Log2(p);
            }
        }

        return perByte * secret.Length;
    }
}
