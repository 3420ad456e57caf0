using System.Buffers;
using Package = Blake3;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// Incremental BLAKE3 in any of its three modes, over the Blake3 package's hasher. <see cref="Update"/> takes input
/// in pieces of any size, and the result does not depend on how the input was split. Finalizing does not consume
/// the hasher: more input may follow, and a later finalize covers everything since the last <see cref="Reset"/>.
/// Not thread-safe.
/// </summary>
public sealed partial class Blake3Hasher : IDisposable
{
    /// <summary>
    /// From this size up, a piece is hashed with its subtrees spread over cores (<c>UpdateWithJoin</c>), unless the
    /// caller is itself a thread-pool thread (see <see cref="Feed"/>). Measured here on 2 cores, 256 MiB fed in
    /// pieces: at 4 MiB and up the join hashes at 4.7-6.0 GB/s against 3.4-4.1 for the serial path; at 1 MiB the
    /// two are even, and below it the join only costs.
    /// </summary>
    internal const int JoinThreshold = 4 << 20;

    /// <summary>
    /// Smaller updates are gathered into pieces of this size before the package sees them: it hashes 4 KiB updates
    /// at 0.7 GB/s and the same bytes gathered into 1 MiB pieces at 3.9 GB/s (measured here). A store's active
    /// segment is hashed one flushed batch at a time, and batches are often a few KiB.
    /// </summary>
    internal const int GatherSize = 1 << 20;

    /// <summary>Read size for streams: each full read takes the joined path.</summary>
    private const int StreamBufferSize = JoinThreshold;

    private readonly Package.Hasher _hasher;
    private byte[]? _gathered;
    private int _gatheredLength;
    private bool _disposed;

    /// <summary>A hasher for the default (unkeyed) mode.</summary>
    public Blake3Hasher()
        : this(Package.Hasher.New())
    {
    }

    private Blake3Hasher(Package.Hasher hasher) => _hasher = hasher;

    /// <summary>A hasher for keyed mode (a MAC or PRF); <paramref name="key"/> must be exactly 32 bytes.</summary>
    public static Blake3Hasher CreateKeyed(ReadOnlySpan<byte> key) => new(Package.Hasher.NewKeyed(CheckKey(key)));

    /// <summary>
    /// A hasher for key derivation: feed it the key material. <paramref name="context"/> should be a
    /// hard-coded, globally unique, application-specific string, never a secret or a variable.
    /// </summary>
    public static Blake3Hasher CreateDeriveKey(string context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(Package.Hasher.NewDeriveKey(context));
    }

    /// <summary>Adds <paramref name="input"/>: a small piece is gathered with the next ones, a large one hashed at once.</summary>
    public void Update(ReadOnlySpan<byte> input)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_gatheredLength + input.Length < GatherSize)
        {
            _gathered ??= ArrayPool<byte>.Shared.Rent(GatherSize);
            input.CopyTo(_gathered.AsSpan(_gatheredLength));
            _gatheredLength += input.Length;
            return;
        }

        if (_gatheredLength > 0)
        {
            // Top the gathered piece up to its full size, so the package keeps seeing whole pieces.
            var topUp = GatherSize - _gatheredLength;
            input[..topUp].CopyTo(_gathered.AsSpan(_gatheredLength));
            _hasher.Update(_gathered.AsSpan(0, GatherSize));
            _gatheredLength = 0;
            input = input[topUp..];
        }

        if (input.Length >= GatherSize)
        {
            Feed(input);
        }
        else if (!input.IsEmpty)
        {
            _gathered ??= ArrayPool<byte>.Shared.Rent(GatherSize);
            input.CopyTo(_gathered);
            _gatheredLength = input.Length;
        }
    }

    public async ValueTask UpdateAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = ArrayPool<byte>.Shared.Rent(StreamBufferSize);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, StreamBufferSize), cancellationToken)) > 0)
            {
                Update(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Blake3Hash FinalizeHash()
    {
        HashGathered();
        return Blake3Hash.From(_hasher.Finalize());
    }

    /// <summary>Writes <c>output.Length</c> bytes of extendable output; the first 32 are the digest.</summary>
    public void Finalize(Span<byte> output)
    {
        HashGathered();
        _hasher.Finalize(output);
    }

    /// <summary>Writes extendable output starting <paramref name="offset"/> bytes in, so a long output can be read in pieces.</summary>
    public void Finalize(ulong offset, Span<byte> output)
    {
        HashGathered();
        _hasher.Finalize(offset, output);
    }

    public void Reset()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _gatheredLength = 0;
        _hasher.Reset();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _hasher.Dispose();
        if (_gathered is { } gathered)
        {
            _gathered = null;
            ArrayPool<byte>.Shared.Return(gathered);
        }
    }

    /// <summary>
    /// Hands a large piece to the package. The join runs the subtrees on the thread pool and blocks the caller until
    /// they are done, so a caller that is a pool thread itself (every async path: the silo, the feeder, a follower)
    /// hashes serially: a pool thread blocked on pool work competes with the silo's messaging and membership on a
    /// small machine (with large pieces joined everywhere, the suite's demo saw a new silo not listed live within
    /// 90 s in two of three full runs here; serial in pool threads, it passed). The join is for a caller with a
    /// thread of its own, such as <c>orepl hash</c>.
    /// </summary>
    private void Feed(ReadOnlySpan<byte> piece)
    {
        if (piece.Length >= JoinThreshold && !Thread.CurrentThread.IsThreadPoolThread)
        {
            _hasher.UpdateWithJoin(piece);
        }
        else
        {
            _hasher.Update(piece);
        }
    }

    private void HashGathered()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_gatheredLength > 0)
        {
            _hasher.Update(_gathered.AsSpan(0, _gatheredLength));
            _gatheredLength = 0;
        }
    }
}
