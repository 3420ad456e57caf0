using System.Text;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Silo.Tests.Data;

/// <summary>The batch body of <c>POST /kv</c>: what is written is what is read, and bad bodies are refused whole.</summary>
public sealed class KeyValueBatchTests
{
    private static readonly StoreOptions Limits = new() { MaxKeyBytes = 16, MaxValueBytes = 64 };

    [Fact]
    public void WrittenEntries_ParseBack_InOrder()
    {
        using var body = new MemoryStream();
        KeyValueBatch.Write(body, "a"u8, "first"u8);
        KeyValueBatch.Write(body, "b"u8, ""u8);
        var operations = KeyValueBatch.Parse(body.ToArray(), Limits).Operations;
        Assert.NotNull(operations);
        Assert.Equal(["a", "b"], operations.Select(o => Encoding.UTF8.GetString(o.Key.Span)));
        Assert.Equal(["first", ""], operations.Select(o => Encoding.UTF8.GetString(o.Value.Span)));
    }

    [Theory]
    [InlineData("cut", "entry 1 at byte 15: value length is cut short (2 of 4 bytes)")]
    [InlineData("long-key", "entry 0 at byte 0: key length 17 exceeds the limit of 16")]
    [InlineData("overrun", "entry 0 at byte 5: value length 50 exceeds the 3 bytes left")]
    [InlineData("empty-key", "entry 0 at byte 4: key is empty")]
    [InlineData("empty", "the batch is empty")]
    public void MalformedBodies_AreRefusedWhole_NamingTheEntryAndTheBytes(string kind, string reason)
    {
        using var body = new MemoryStream();
        switch (kind)
        {
            case "cut":
                KeyValueBatch.Write(body, "k"u8, "v"u8);
                body.Write([1, 0, 0, 0, (byte)'k', 9, 9]);
                break;
            case "long-key":
                KeyValueBatch.Write(body, new byte[17], "v"u8);
                break;
            case "overrun":
                body.Write([1, 0, 0, 0, (byte)'k', 50, 0, 0, 0, 1, 2, 3]);
                break;
            case "empty-key":
                KeyValueBatch.Write(body, ""u8, "v"u8);
                break;
        }

        var parsed = KeyValueBatch.Parse(body.ToArray(), Limits);
        Assert.Null(parsed.Operations);
        Assert.Equal(reason, parsed.Problem);
        Assert.False(parsed.TooManyOperations);
    }

    [Fact]
    public void ABatchOverTheEntryLimit_IsRefusedForItsCount_EvenWhenItIsAlsoMalformedFurtherOn()
    {
        using var body = new MemoryStream();
        for (var i = 0; i < 4; i++)
        {
            KeyValueBatch.Write(body, "k"u8, "v"u8);
        }

        Assert.Equal(4, KeyValueBatch.Parse(body.ToArray(), Limits, maxOperations: 4).Operations?.Count);
        body.Write([200, 0, 0, 0]); // a fifth entry, cut short
        var parsed = KeyValueBatch.Parse(body.ToArray(), Limits, maxOperations: 4);
        Assert.Null(parsed.Operations);
        Assert.True(parsed.TooManyOperations);
        Assert.Equal("the batch has more than 4 entries, the most one batch may carry; split it", parsed.Problem);
        Assert.False(KeyValueBatch.Parse(body.ToArray(), Limits, maxOperations: 5).TooManyOperations);
    }
}
