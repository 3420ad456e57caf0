namespace OrleansRepl.Core.Hashing;

/// <summary>
/// Reads BLAKE3 extendable output: an output stream of up to 2^64 bytes whose first 32 bytes are the digest.
/// Any position can be read directly; setting <see cref="Position"/> is a seek, not a replay.
/// </summary>
/// <remarks>A mutable struct: a copy reads independently from the same output, at its own position.</remarks>
public struct Blake3XofReader
{
    private readonly Blake3Output _root;

    internal Blake3XofReader(in Blake3Output root)
    {
        _root = root;
        Position = 0;
    }

    /// <summary>Byte offset in the output stream of the next <see cref="Read"/>.</summary>
    public ulong Position { get; set; }

    /// <summary>Fills <paramref name="destination"/> with output from <see cref="Position"/> and advances it.</summary>
    public void Read(Span<byte> destination)
    {
        _root.WriteRoot(Position, destination);
        Position += (ulong)destination.Length;
    }
}
