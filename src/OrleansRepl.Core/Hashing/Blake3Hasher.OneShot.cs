using Package = Blake3;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// One-shot BLAKE3 (the default hash, keyed hash and key derivation) through the Blake3 package. This type is the
/// only place the rest of the code reaches the package, so the digest crosses as our own <see cref="Blake3Hash"/>
/// and a wrong key length is rejected with the same message everywhere.
/// </summary>
public sealed partial class Blake3Hasher
{
    public const int KeySize = 32;

    /// <summary>
    /// The default hash of <paramref name="input"/>: a small input in the package's all-at-once path, a large one
    /// through a hasher, which spreads it over cores when the caller is not a thread-pool thread.
    /// </summary>
    public static Blake3Hash Hash(ReadOnlySpan<byte> input)
    {
        if (input.Length < JoinThreshold)
        {
            return Blake3Hash.From(Package.Hasher.Hash(input));
        }

        using var hasher = new Blake3Hasher();
        hasher.Update(input);
        return hasher.FinalizeHash();
    }

    /// <summary>Writes <c>output.Length</c> bytes of extendable output; the first 32 are the digest.</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output) => Package.Hasher.Hash(input, output);

    public static Blake3Hash KeyedHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input)
    {
        Span<byte> digest = stackalloc byte[Blake3Hash.Size];
        KeyedHash(key, input, digest);
        return new Blake3Hash(digest);
    }

    public static void KeyedHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output)
    {
        using var hasher = Package.Hasher.NewKeyed(CheckKey(key));
        hasher.Update(input);
        hasher.Finalize(output);
    }

    /// <summary>Derives <c>output.Length</c> bytes of key from <paramref name="keyMaterial"/> under a fixed, unique <paramref name="context"/>.</summary>
    public static void DeriveKey(string context, ReadOnlySpan<byte> keyMaterial, Span<byte> output)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var hasher = Package.Hasher.NewDeriveKey(context);
        hasher.Update(keyMaterial);
        hasher.Finalize(output);
    }

    /// <summary>Hashes the rest of <paramref name="stream"/>.</summary>
    public static async ValueTask<Blake3Hash> HashAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        using var hasher = new Blake3Hasher();
        await hasher.UpdateAsync(stream, cancellationToken);
        return hasher.FinalizeHash();
    }

    internal static ReadOnlySpan<byte> CheckKey(ReadOnlySpan<byte> key) =>
        key.Length == KeySize ? key : throw new ArgumentException($"a BLAKE3 key is {KeySize} bytes, got {key.Length}", nameof(key));
}
