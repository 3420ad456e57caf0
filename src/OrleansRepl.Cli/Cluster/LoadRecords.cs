using System.Globalization;

namespace OrleansRepl.Cli.Cluster;

/// <summary>The records <c>orepl load</c> writes: keys <c>{prefix}{n}</c>, values that name their key and are padded to a size.</summary>
internal static class LoadRecords
{
    public static IEnumerable<KeyValuePair<string, byte[]>> Generate(string prefix, long count, int valueBytes)
    {
        for (long i = 0; i < count; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}");
            var value = new byte[valueBytes];
            var label = System.Text.Encoding.UTF8.GetBytes(key);
            label.AsSpan(0, Math.Min(label.Length, valueBytes)).CopyTo(value);
            value.AsSpan(Math.Min(label.Length, valueBytes)).Fill((byte)'.');
            yield return new(key, value);
        }
    }
}
