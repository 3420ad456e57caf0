namespace OrleansRepl.Core.Storage;

/// <summary>One write of a batch: a put of <see cref="Value"/> under <see cref="Key"/>, or a delete when <see cref="IsDelete"/>.</summary>
public readonly record struct WriteOperation(ReadOnlyMemory<byte> Key, ReadOnlyMemory<byte> Value, bool IsDelete = false)
{
    public static WriteOperation Put(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value) => new(key, value);

    public static WriteOperation Delete(ReadOnlyMemory<byte> key) => new(key, ReadOnlyMemory<byte>.Empty, true);
}
