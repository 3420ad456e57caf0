using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Core.Tests.Protocol;

/// <summary>The socket stream under TLS: records written until a flush go out in few writes, and reads are served from large ones, byte for byte.</summary>
public sealed class CoalescingStreamTests
{
    [Fact]
    public async Task RecordsUntilAFlush_GoOutInBufferSizedWrites_InOrder()
    {
        var inner = new CountingStream(new MemoryStream());
        await using var stream = new CoalescingStream(inner, bufferSize: 64 << 10);
        var data = Enumerable.Range(0, 8 * 16_384 + 100).Select(i => (byte)(i * 7)).ToArray();

        for (var offset = 0; offset < data.Length; offset += 16_384)
        {
            await stream.WriteAsync(data.AsMemory(offset, Math.Min(16_384, data.Length - offset)));
        }

        Assert.Equal(2, inner.Writes); // two full buffers; the last 100 bytes wait for the flush
        await stream.FlushAsync();
        Assert.Equal(3, inner.Writes);
        Assert.Equal(data, ((MemoryStream)inner.Inner).ToArray());
    }

    [Fact]
    public async Task SmallReads_AreServedFromLargeOnes_ByteForByte()
    {
        var data = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 13)).ToArray();
        var inner = new CountingStream(new MemoryStream(data));
        await using var stream = new CoalescingStream(inner, bufferSize: 64 << 10);

        var read = new MemoryStream();
        var buffer = new byte[16_389];
        int count;
        while ((count = await stream.ReadAsync(buffer)) > 0)
        {
            read.Write(buffer, 0, count);
        }

        Assert.Equal(data, read.ToArray());
        Assert.Equal(5, inner.Reads); // four 64 KiB reads (the last short) and the end, not thirteen
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public Stream Inner => inner;

        public int Reads { get; private set; }

        public int Writes { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            return inner.Read(buffer, offset, count);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            inner.Write(buffer, offset, count);
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
