using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Snapshots;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// A snapshot a source holds under a token: the pinned store, its expiry, and the stream's CRC-32C at each offset a
/// piece ended on, so a resumed send continues the trailer's CRC without reading the prefix again.
/// </summary>
internal sealed class SnapshotPin(string token, PinnedSnapshot snapshot)
{
    private readonly Dictionary<long, uint> _crcAt = new() { [0] = 0 };
    private long _expiresAt;

    public string Token { get; } = token;

    public PinnedSnapshot Snapshot { get; } = snapshot;

    public bool Expired => Environment.TickCount64 > Volatile.Read(ref _expiresAt);

    public void Touch(TimeSpan lifetime) => Volatile.Write(ref _expiresAt, Environment.TickCount64 + (long)lifetime.TotalMilliseconds);

    /// <summary>Brings the expiry forward to <paramref name="lifetime"/> from now, if that is sooner.</summary>
    public void Shorten(TimeSpan lifetime)
    {
        var sooner = Environment.TickCount64 + (long)lifetime.TotalMilliseconds;
        if (sooner < Volatile.Read(ref _expiresAt))
        {
            Volatile.Write(ref _expiresAt, sooner);
        }
    }

    /// <summary>Records that the stream's CRC-32C up to <paramref name="offset"/> is <paramref name="crc"/>.</summary>
    public void NoteCrc(long offset, uint crc)
    {
        lock (_crcAt)
        {
            _crcAt[Math.Min(offset, Snapshot.PayloadLength)] = crc;
        }
    }

    /// <summary>
    /// The CRC-32C of the stream before <paramref name="offset"/> (capped at the trailer): from a send that ended
    /// there, else computed from the nearest known offset below it, reading through <paramref name="buffer"/>.
    /// </summary>
    public async ValueTask<uint> CrcAtAsync(long offset, byte[] buffer, CancellationToken cancellationToken)
    {
        offset = Math.Min(offset, Snapshot.PayloadLength);
        long from;
        uint crc;
        lock (_crcAt)
        {
            from = _crcAt.Keys.Where(k => k <= offset).Max();
            crc = _crcAt[from];
        }

        while (from < offset)
        {
            var read = await Snapshot.ReadAsync(from, buffer.AsMemory(0, (int)Math.Min(buffer.Length, offset - from)), cancellationToken);
            crc = Crc32C.Append(crc, buffer.AsSpan(0, read));
            from += read;
        }

        NoteCrc(offset, crc);
        return crc;
    }

    /// <summary>
    /// Copies the part of the trailer that falls at or after <paramref name="at"/> into <paramref name="destination"/>,
    /// once <paramref name="at"/> has reached the payload's end (<paramref name="crc"/> then covers all of it).
    /// Returns the count copied.
    /// </summary>
    public int TrailerInto(Span<byte> destination, long at, uint crc)
    {
        if (at < Snapshot.PayloadLength)
        {
            return 0;
        }

        var trailer = SnapshotFormat.Trailer(crc).AsSpan((int)(at - Snapshot.PayloadLength));
        var n = Math.Min(trailer.Length, destination.Length);
        trailer[..n].CopyTo(destination);
        return n;
    }
}
