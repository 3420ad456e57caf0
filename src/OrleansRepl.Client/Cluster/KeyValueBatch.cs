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

    /// <summary>
    /// The operations of <paramref name="body"/>, read in one pass; or why it is refused: malformed, a key or value
    /// over the store's limits, or more than <paramref name="maxOperations"/> entries (counted before any is copied out).
    /// </summary>
    public static KeyValueBatchParse Parse(ReadOnlySpan<byte> body, StoreOptions limits, int maxOperations = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var count = CountEntries(body, maxOperations, out var problem);
        if (problem is not null)
        {
            return new KeyValueBatchParse(null, problem, TooManyOperations: count > maxOperations);
        }

        var operations = new List<WriteOperation>(count);
        var offset = 0;
        while (offset < body.Length)
        {
            if (!TryField(body, ref offset, limits.MaxKeyBytes, out var key, out problem) || key.Length == 0)
            {
                return new KeyValueBatchParse(null, string.Create(CultureInfo.InvariantCulture, $"entry {operations.Count} at byte {offset}: key {problem ?? "is empty"}"), false);
            }

            if (!TryField(body, ref offset, limits.MaxValueBytes, out var value, out problem))
            {
                return new KeyValueBatchParse(null, string.Create(CultureInfo.InvariantCulture, $"entry {operations.Count} at byte {offset}: value {problem}"), false);
            }

            operations.Add(WriteOperation.Put(key, value));
        }

        return operations.Count == 0 ? new KeyValueBatchParse(null, "the batch is empty", false) : new KeyValueBatchParse(operations, null, false);
    }

    /// <summary>The entries the length fields describe, stopping past <paramref name="maxOperations"/>; a cut field is left to the full parse to name.</summary>
    private static int CountEntries(ReadOnlySpan<byte> body, int maxOperations, out string? problem)
    {
        problem = null;
        var (count, offset) = (0, 0L);
        while (offset < body.Length)
        {
            if (++count > maxOperations)
            {
                problem = string.Create(CultureInfo.InvariantCulture, $"the batch has more than {maxOperations} entries, the most one batch may carry; split it");
                return count;
            }

            for (var field = 0; field < 2; field++)
            {
                if (offset > body.Length - 4L)
                {
                    return count;
                }

                offset += 4L + BinaryPrimitives.ReadUInt32LittleEndian(body[(int)offset..]);
            }
        }

        return count;
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
