using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using OrleansRepl.Core.Protocol.Messages;

namespace OrleansRepl.Core.Protocol;

/// <summary>
/// Frames over one stream (a TCP connection): reads through a <see cref="PipeReader"/>, writes through one
/// outbound channel drained by a single loop, so any number of senders never interleave bytes.
/// </summary>
public sealed class FrameConnection : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly Channel<PooledBufferWriter> _outbound = Channel.CreateBounded<PooledBufferWriter>(new BoundedChannelOptions(64) { SingleReader = true });
    private readonly Task _writeLoop;
    private int _disposed;
    private long _bytesSent;
    private long _bytesQueued;
    private long _bytesReceived;
    private int _maxFrameLength;

    public FrameConnection(Stream stream, int maxFrameLength = FrameCodec.DefaultMaxFrameLength)
    {
        _stream = stream;
        MaxFrameLength = maxFrameLength;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: ReceiveBufferSize, minimumReadSize: ReceiveBufferSize / 4, leaveOpen: true));
        _writeLoop = WriteLoopAsync();
    }

    /// <summary>Bytes asked of the socket per read: large enough that a batch frame takes a few reads, not hundreds.</summary>
    private const int ReceiveBufferSize = 64 << 10;

    /// <summary>
    /// The largest frame read or sent. It may be lowered and raised while the connection lives: held to a few KiB
    /// until the peer has authenticated (<see cref="Handshake.MaxFrameLength"/>), so that no one without the secret
    /// makes this side buffer more.
    /// </summary>
    public int MaxFrameLength
    {
        get => Volatile.Read(ref _maxFrameLength);
        set => Volatile.Write(ref _maxFrameLength, value >= FrameCodec.MinimumFrameLength ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"a frame limit below {FrameCodec.MinimumFrameLength} bytes leaves no room for a frame"));
    }

    /// <summary>Bytes of whole frames written to the peer so far, framing included.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>
    /// Bytes of whole frames handed to <see cref="SendAsync{T}"/> so far. Unlike <see cref="BytesSent"/>, which the
    /// write loop advances in its own time, this is settled when a send returns: what to count a conversation by.
    /// </summary>
    public long BytesQueued => Interlocked.Read(ref _bytesQueued);

    /// <summary>Bytes of whole frames read from the peer so far, framing included.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>
    /// What the handshake's proofs are bound to: empty on a plaintext connection; on TLS, the hashes of the two
    /// certificates of this very session (<see cref="SecureChannel"/>), so proofs relayed onto another TLS session
    /// do not verify.
    /// </summary>
    public ReadOnlyMemory<byte> ChannelBinding { get; init; }

    /// <summary>A connection that owns <paramref name="socket"/>: disposing it closes the socket, so the peer sees the end.</summary>
    public static FrameConnection Over(System.Net.Sockets.Socket socket, int maxFrameLength = FrameCodec.DefaultMaxFrameLength) =>
        new(StreamOver(socket), maxFrameLength);

    /// <summary>A stream that owns <paramref name="socket"/>, tuned for frames: no Nagle delay, TCP keepalive on.</summary>
    internal static System.Net.Sockets.NetworkStream StreamOver(System.Net.Sockets.Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        socket.NoDelay = true;

        // A peer that vanishes without a FIN (a pulled cable, a dropped route) is found by TCP within about a minute
        // even on a connection where neither side has anything to say.
        socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.KeepAlive, true);
        socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Tcp, System.Net.Sockets.SocketOptionName.TcpKeepAliveTime, 30);
        socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Tcp, System.Net.Sockets.SocketOptionName.TcpKeepAliveInterval, 10);
        socket.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Tcp, System.Net.Sockets.SocketOptionName.TcpKeepAliveRetryCount, 3);
        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>
    /// The next frame. Throws <see cref="ConnectionClosedException"/> at the end of the stream and
    /// <see cref="FrameTooLargeException"/> / <see cref="FrameChecksumException"/> for a bad frame.
    /// </summary>
    public async ValueTask<Frame> ReadAsync(CancellationToken cancellationToken) =>
        (await ReadAsync(pool: null, cancellationToken)).Frame;

    /// <summary>
    /// The next frame, its bytes in a pooled buffer: for the bulk path, where a frame is consumed before the
    /// next read. Dispose the lease once nothing refers to the payload any more.
    /// </summary>
    public async ValueTask<FrameLease> ReadLeasedAsync(CancellationToken cancellationToken)
    {
        var (frame, rented) = await ReadAsync(ArrayPool<byte>.Shared, cancellationToken);
        return new FrameLease(frame, rented!);
    }

    /// <summary>
    /// As <see cref="ReadLeasedAsync(CancellationToken)"/>, but a peer that sends nothing for <paramref name="silence"/>
    /// is dead: the read ends as <see cref="ConnectionClosedException"/> naming <paramref name="peer"/> and the time.
    /// </summary>
    public async ValueTask<FrameLease> ReadLeasedAsync(TimeSpan silence, string peer, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(silence);
        try
        {
            return await ReadLeasedAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ConnectionClosedException($"after {peer} sent nothing for {silence.TotalSeconds:F1} s");
        }
    }

    private async ValueTask<(Frame Frame, byte[]? Rented)> ReadAsync(ArrayPool<byte>? pool, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadFrameAsync(pool, cancellationToken);
        }
        catch (InvalidOperationException) when (Volatile.Read(ref _disposed) == 1)
        {
            // Disposed by another task (FailAsync, a shutdown) while this one was reading: the pipe reader was
            // completed under it. To the reader that is a closed connection, like any other.
            throw new ConnectionClosedException("after this side closed the connection");
        }
    }

    private async ValueTask<(Frame Frame, byte[]? Rented)> ReadFrameAsync(ArrayPool<byte>? pool, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            bool parsed;
            Frame frame;
            try
            {
                parsed = FrameCodec.TryRead(ref buffer, MaxFrameLength, pool, out frame);
            }
            catch
            {
                _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                throw;
            }

            if (parsed)
            {
                // Examined only up to this frame: whole frames behind it must be returned at once by the
                // next read, not after more bytes arrive from the network.
                Interlocked.Add(ref _bytesReceived, result.Buffer.Length - buffer.Length);
                _reader.AdvanceTo(buffer.Start);
                return (frame, pool is null ? null : RentedArray(frame));
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                throw new ConnectionClosedException(buffer.IsEmpty ? "while waiting for a frame" : $"in the middle of a frame ({buffer.Length} bytes of it received)");
            }
        }
    }

    private static byte[] RentedArray(in Frame frame) =>
        MemoryMarshal.TryGetArray(frame.Payload, out var array) ? array.Array! : throw new InvalidOperationException("a pooled frame is always array-backed");

    /// <summary>Reads the next frame and decodes it as <typeparamref name="T"/>.</summary>
    public async ValueTask<T> ReadAsync<T>(CancellationToken cancellationToken)
        where T : struct, IProtocolMessage<T> =>
        ProtocolMessage.Decode<T>(await ReadAsync(cancellationToken));

    /// <summary>
    /// Queues <paramref name="message"/> for the write loop, encoded once into a pooled buffer before this
    /// method returns, so buffers the message refers to may be reused as soon as it does. Throws
    /// <see cref="FrameTooLargeException"/> before queueing a frame over <see cref="MaxFrameLength"/>.
    /// </summary>
    public async ValueTask SendAsync<T>(T message, CancellationToken cancellationToken)
        where T : struct, IProtocolMessage<T>
    {
        var frame = new PooledBufferWriter(256);
        try
        {
            FrameCodec.Write(frame, message, MaxFrameLength);
            var length = frame.WrittenCount;
            await _outbound.Writer.WriteAsync(frame, cancellationToken);
            Interlocked.Add(ref _bytesQueued, length);
        }
        catch
        {
            frame.Dispose();
            throw;
        }
    }

    /// <summary>Sends an Error frame stating <paramref name="reason"/>, then closes the connection once it is written.</summary>
    public async ValueTask FailAsync(ErrorCode code, string reason)
    {
        try
        {
            await SendAsync(new ErrorMessage(code, reason), CancellationToken.None);
        }
        catch (ChannelClosedException)
        {
        }

        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _outbound.Writer.TryComplete();
        try
        {
            // Let queued frames (an Error above all) reach the peer, but never wait on a stuck peer for long.
            await _writeLoop.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception e) when (e is TimeoutException or IOException or ObjectDisposedException or OperationCanceledException)
        {
        }

        _reader.CancelPendingRead();
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
        while (_outbound.Reader.TryRead(out var unsent))
        {
            unsent.Dispose();
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            await foreach (var frame in _outbound.Reader.ReadAllAsync())
            {
                using (frame)
                {
                    await _stream.WriteAsync(frame.WrittenMemory);
                    await _stream.FlushAsync();
                    Interlocked.Add(ref _bytesSent, frame.WrittenCount);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException)
        {
            // The peer is gone: close the queue so every sender, now and later, fails at once
            // (ChannelClosedException, a lost connection) instead of waiting on a full queue.
            _outbound.Writer.TryComplete(new ChannelClosedException("the connection's write side failed", e));
            throw;
        }
    }
}
