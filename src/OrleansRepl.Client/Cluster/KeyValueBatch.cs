using System.Buffers.Binary;
using System.Globalization;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Client.Cluster;

/// <summary>The batch body of <c>POST /kv</c>: <c>u32 key length | key | u32 value length | value</c>, repeated, little-endian.</summary>
public static class KeyValueBatch
{
    /// <summary>Appends one entry to <paramref name="output"/>.</summary>
    public static void Write(Stream output, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(output);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)key.Length);
        output.Write(length);
        output.Write(key);
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)value.Length);
        output.Write(length);
        output.Write(value);
    }

    /// <summary>The operations of <paramref name="body"/>, or null when it is malformed or breaks a store limit.</summary>
    public static IReadOnlyList<WriteOperation>? Parse(ReadOnlySpan<byte> body, StoreOptions limits) =>
        Read(body, limits, out var operations) is null ? operations : null;

    /// <summary>Why <paramref name="body"/> is refused.</summary>
    public static string Explain(byte[]? body, StoreOptions limits) =>
        body is null ? "the batch is longer than its Content-Length said" : Read(body, limits, out _) ?? "the batch is valid";

    private static string? Read(ReadOnlySpan<byte> body, StoreOptions limits, out List<WriteOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(limits);
        operations = [];
        var offset = 0;
        while (offset < body.Length)
        {
            if (!TryField(body, ref offset, limits.MaxKeyBytes, out var key, out var problem) || key.Length == 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"entry {operations.Count} at byte {offset}: key {problem ?? "is empty"}");
            }

            if (!TryField(body, ref offset, limits.MaxValueBytes, out var value, out problem))
            {
                return string.Create(CultureInfo.InvariantCulture, $"entry {operations.Count} at byte {offset}: value {problem}");
            }

            operations.Add(WriteOperation.Put(key, value));
        }

        return operations.Count == 0 ? "the batch is empty" : null;
    }

    private static bool TryField(ReadOnlySpan<byte> body, ref int offset, int limit, out byte[] field, out string? problem)
    {
        field = [];
        if (body.Length - offset < 4)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"length is cut short ({body.Length - offset} of 4 bytes)");
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(body[offset..]);
        if (length > (uint)limit || length > (uint)(body.Length - offset - 4))
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"length {length} exceeds {(length > (uint)limit ? $"the limit of {limit}" : $"the {body.Length - offset - 4} bytes left")}");
            return false;
        }

        field = body.Slice(offset + 4, (int)length).ToArray();
        offset += 4 + (int)length;
        problem = null;
        return true;
    }
}
