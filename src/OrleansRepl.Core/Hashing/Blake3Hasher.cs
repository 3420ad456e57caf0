using System.Buffers;
using System.Text;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// Incremental BLAKE3 in any of its three modes. <see cref="Update"/> takes input in pieces of any size,
/// and the result does not depend on how the input was split. Finalizing does not consume the hasher:
/// more input may follow, and a later finalize covers everything since the last <see cref="Reset"/>.
/// </summary>
public sealed class Blake3Hasher
{
    /// <summary>Read size for streams: a multiple of the widest subtree, so whole reads hash on the wide path.</summary>
    private const int StreamBufferSize = 1 << 20;

    private Blake3State _state;

    /// <summary>A hasher for the default (unkeyed) mode.</summary>
    public Blake3Hasher()
        : this(Blake3Backends.Best)
    {
    }

    internal Blake3Hasher(Blake3Backend backend)
        : this(CvWords.FromIv(), 0, backend)
    {
    }

    private Blake3Hasher(in CvWords key, uint flags, Blake3Backend backend) => _state = new Blake3State(key, flags, backend);

    /// <summary>A hasher for keyed mode (a MAC or PRF); <paramref name="key"/> must be exactly 32 bytes.</summary>
    public static Blake3Hasher CreateKeyed(ReadOnlySpan<byte> key) => CreateKeyed(key, Blake3Backends.Best);

    internal static Blake3Hasher CreateKeyed(ReadOnlySpan<byte> key, Blake3Backend backend) =>
        new(Blake3.KeyWords(key), Blake3Constants.KeyedHash, backend);

    /// <summary>
    /// A hasher for key derivation: feed it the key material. <paramref name="context"/> should be a
    /// hard-coded, globally unique, application-specific string, never a secret or a variable.
    /// </summary>
    public static Blake3Hasher CreateDeriveKey(string context) => CreateDeriveKey(context, Blake3Backends.Best);

    internal static Blake3Hasher CreateDeriveKey(string context, Blake3Backend backend)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(Blake3.ContextKey(Encoding.UTF8.GetBytes(context), backend), Blake3Constants.DeriveKeyMaterial, backend);
    }

    public void Update(ReadOnlySpan<byte> input) => _state.Update(input);

    /// <summary>Hashes the rest of <paramref name="stream"/>, read in 1 MiB pieces from a pooled buffer.</summary>
    public async ValueTask UpdateAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, StreamBufferSize), cancellationToken)) > 0)
            {
                _state.Update(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The 32-byte digest of the input so far.</summary>
    public Blake3Hash FinalizeHash()
    {
        Span<byte> digest = stackalloc byte[Blake3Hash.Size];
        _state.Finalize().WriteRoot(0, digest);
        return new Blake3Hash(digest);
    }

    /// <summary>Fills <paramref name="output"/> with that many bytes of output; a 32-byte output is the digest.</summary>
    public void Finalize(Span<byte> output) => _state.Finalize().WriteRoot(0, output);

    /// <summary>A reader over the extendable output of the input so far, positioned at byte 0.</summary>
    public Blake3XofReader FinalizeXof() => new(_state.Finalize());

    /// <summary>Forgets all input and keeps the mode and key.</summary>
    public void Reset() => _state.Reset();
}
