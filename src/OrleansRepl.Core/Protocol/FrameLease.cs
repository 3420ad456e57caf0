using System.Buffers;

namespace OrleansRepl.Core.Protocol;

/// <summary>A received frame whose bytes are on loan from the shared pool until <see cref="Dispose"/>.</summary>
public sealed class FrameLease : IDisposable
{
    private byte[]? _rented;

    internal FrameLease(Frame frame, byte[] rented)
    {
        Frame = frame;
        _rented = rented;
    }

    /// <summary>The frame; its payload must not be used after <see cref="Dispose"/>.</summary>
    public Frame Frame { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _rented, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
