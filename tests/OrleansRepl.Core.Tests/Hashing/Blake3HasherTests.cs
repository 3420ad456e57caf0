using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Tests.Hashing;

public sealed class Blake3HasherTests
{
    [Fact]
    public void OneShotHash_DoesNotAllocate()
    {
        var input = new byte[1 << 20];
        new Random(1).NextBytes(input);
        Span<byte> extended = stackalloc byte[200];
        var key = new byte[32];
        Blake3.Hash(input); // warm up: first calls JIT-compile and run static constructors

        var before = GC.GetAllocatedBytesForCurrentThread();
        Blake3.Hash(input);
        Blake3.Hash(input, extended);
        Blake3.KeyedHash(key, input);
        var after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
    }

    [Fact]
    public void Update_DoesNotAllocate()
    {
        var hasher = new Blake3Hasher();
        var input = new byte[300_000];
        hasher.Update(input);
        hasher.FinalizeHash();

        var before = GC.GetAllocatedBytesForCurrentThread();
        hasher.Update(input);
        hasher.Update(input.AsSpan(0, 77));
        hasher.FinalizeHash();
        var after = GC.GetAllocatedBytesForCurrentThread();

        Assert.Equal(0, after - before);
    }

    [Fact]
    public void Finalize_LeavesTheHasherUsable_AndReset_StartsOver()
    {
        var hasher = new Blake3Hasher();
        hasher.Update("hello "u8);
        Assert.Equal(Blake3.Hash("hello "u8), hasher.FinalizeHash());
        hasher.Update("world"u8);
        Assert.Equal(Blake3.Hash("hello world"u8), hasher.FinalizeHash());

        hasher.Reset();
        hasher.Update("world"u8);
        Assert.Equal(Blake3.Hash("world"u8), hasher.FinalizeHash());
    }

    [Fact]
    public void Reset_KeepsTheKey()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var hasher = Blake3Hasher.CreateKeyed(key);
        hasher.Update("first"u8);
        hasher.Reset();
        hasher.Update("second"u8);
        Assert.Equal(Blake3.KeyedHash(key, "second"u8), hasher.FinalizeHash());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void KeyOfWrongLength_IsRejected_NamingBothLengths(int length)
    {
        var error = Assert.Throws<ArgumentException>(() => Blake3Hasher.CreateKeyed(new byte[length]));
        Assert.Contains($"32 bytes, got {length}", error.Message);
        Assert.Throws<ArgumentException>(() => Blake3.KeyedHash(new byte[length], "x"u8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5000)]
    [InlineData(3_000_001)]
    public async Task HashAsync_OverAStreamOfShortReads_MatchesOneShot(int size)
    {
        var content = new byte[size];
        new Random(size).NextBytes(content);
        await using var stream = new ShortReadStream(content, seed: size);
        Assert.Equal(Blake3.Hash(content), await Blake3.HashAsync(stream, CancellationToken.None));
    }

    [Fact]
    public async Task UpdateAsync_StopsWhenCancelled()
    {
        await using var stream = new ShortReadStream(new byte[1 << 20], seed: 1);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new Blake3Hasher().UpdateAsync(stream, cancelled.Token).AsTask());
    }

    /// <summary>A stream that returns fewer bytes than asked, in random amounts, as sockets and pipes do.</summary>
    private sealed class ShortReadStream(byte[] content, int seed) : MemoryStream(content)
    {
        private readonly Random _random = new(seed);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var take = Math.Min(buffer.Length, _random.Next(1, 70_000));
            return base.ReadAsync(buffer[..take], cancellationToken);
        }
    }
}
