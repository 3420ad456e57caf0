using OrleansRepl.Core.Protocol;

namespace OrleansRepl.Core.Tests.Protocol;

public sealed class PooledBufferWriterTests
{
    [Fact]
    public void ALargeWrite_GrowsOnce_KeepingWhatWasWritten()
    {
        using var writer = new PooledBufferWriter(16);
        writer.GetSpan(3)[..3].Fill(7);
        writer.Advance(3);
        var large = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        large.CopyTo(writer.GetSpan(large.Length));
        writer.Advance(large.Length);

        Assert.Equal(100_003, writer.WrittenCount);
        Assert.Equal([7, 7, 7], writer.WrittenSpan[..3].ToArray());
        Assert.True(writer.WrittenSpan[3..].SequenceEqual(large));
    }

    [Fact]
    public void AdvancingPastTheBuffer_IsRefused_NamingTheCounts()
    {
        using var writer = new PooledBufferWriter(16);
        var room = writer.GetSpan(16).Length;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(room + 1));
        Assert.Contains($"cannot advance {room + 1} bytes with {room} left", error.Message);
    }
}
