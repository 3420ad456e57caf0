namespace OrleansRepl.Core.Protocol;

/// <summary>
/// The socket stream under TLS: <see cref="System.Net.Security.SslStream"/> writes a frame as one 16 KiB record
/// after another and reads at most about one record at a time, so over the bare socket a 1 MiB frame costs some
/// 64 system calls each way. This stream gathers the records written until a flush (the frame's end) into few
/// large writes, and reads ahead in large reads. Reading and writing are independent, as a duplex connection needs:
/// one reader and one writer may run at once, but not two of either.
/// </summary>
internal sealed class CoalescingStream(Stream inner, int bufferSize = CoalescingStream.DefaultBufferSize) : Stream
{
    /// <summary>Four TLS records: a quarter of the system calls, at 128 KiB a connection.</summary>
    public const int DefaultBufferSize = 64 << 10;

    // Not pooled: a read may still be filling its buffer when another task disposes the connection.
    private readonly byte[] _write = new byte[bufferSize];
    private readonly byte[] _read = new byte[bufferSize];
    private int _written;
    private int _readStart;
    private int _readEnd;
    private int _disposed;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readStart == _readEnd)
        {
            if (buffer.Length >= _read.Length)
            {
                return await inner.ReadAsync(buffer, cancellationToken);
            }

            _readStart = 0;
            _readEnd = await inner.ReadAsync(_read, cancellationToken);
        }

        var count = Math.Min(buffer.Length, _readEnd - _readStart);
        _read.AsMemory(_readStart, count).CopyTo(buffer);
        _readStart += count;
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            if (_written == 0 && buffer.Length >= _write.Length)
            {
                await inner.WriteAsync(buffer, cancellationToken);
                return;
            }

            var count = Math.Min(buffer.Length, _write.Length - _written);
            buffer[..count].CopyTo(_write.AsMemory(_written));
            _written += count;
            buffer = buffer[count..];
            if (_written == _write.Length)
            {
                await DrainAsync(cancellationToken);
            }
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask DrainAsync(CancellationToken cancellationToken)
    {
        if (_written > 0)
        {
            var count = _written;
            _written = 0;
            await inner.WriteAsync(_write.AsMemory(0, count), cancellationToken);
        }
    }
}
