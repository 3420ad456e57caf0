using System.Text;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// One-shot BLAKE3: the default hash, keyed hash and key derivation, with output of any length.
/// These run entirely on the stack and never allocate.
/// </summary>
public static class Blake3
{
    public const int KeySize = 32;

    public static Blake3Hash Hash(ReadOnlySpan<byte> input)
    {
        Span<byte> digest = stackalloc byte[Blake3Hash.Size];
        Hash(input, digest);
        return new Blake3Hash(digest);
    }

    /// <summary>Writes <c>output.Length</c> bytes of extendable output; the first 32 are the digest.</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output) =>
        Run(CvWords.FromIv(), 0, input, output, Blake3Backends.Best);

    public static Blake3Hash KeyedHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input)
    {
        Span<byte> digest = stackalloc byte[Blake3Hash.Size];
        KeyedHash(key, input, digest);
        return new Blake3Hash(digest);
    }

    public static void KeyedHash(ReadOnlySpan<byte> key, ReadOnlySpan<byte> input, Span<byte> output) =>
        Run(KeyWords(key), Blake3Constants.KeyedHash, input, output, Blake3Backends.Best);

    /// <summary>Derives <c>output.Length</c> bytes of key from <paramref name="keyMaterial"/> under a fixed, unique <paramref name="context"/>.</summary>
    public static void DeriveKey(string context, ReadOnlySpan<byte> keyMaterial, Span<byte> output)
    {
        ArgumentNullException.ThrowIfNull(context);
        var contextKey = ContextKey(Encoding.UTF8.GetBytes(context), Blake3Backends.Best);
        Run(contextKey, Blake3Constants.DeriveKeyMaterial, keyMaterial, output, Blake3Backends.Best);
    }

    /// <summary>Hashes the rest of <paramref name="stream"/>.</summary>
    public static async ValueTask<Blake3Hash> HashAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var hasher = new Blake3Hasher();
        await hasher.UpdateAsync(stream, cancellationToken);
        return hasher.FinalizeHash();
    }

    internal static CvWords KeyWords(ReadOnlySpan<byte> key) =>
        key.Length == KeySize
            ? CvWords.FromBytes(key)
            : throw new ArgumentException($"a BLAKE3 key is {KeySize} bytes, got {key.Length}", nameof(key));

    /// <summary>The first stage of key derivation: the context string hashed in its own domain.</summary>
    internal static CvWords ContextKey(ReadOnlySpan<byte> context, Blake3Backend backend)
    {
        Span<byte> contextKey = stackalloc byte[KeySize];
        Run(CvWords.FromIv(), Blake3Constants.DeriveKeyContext, context, contextKey, backend);
        return CvWords.FromBytes(contextKey);
    }

    private static void Run(in CvWords key, uint flags, ReadOnlySpan<byte> input, Span<byte> output, Blake3Backend backend)
    {
        var state = new Blake3State(key, flags, backend);
        state.Update(input);
        state.Finalize().WriteRoot(0, output);
    }
}
