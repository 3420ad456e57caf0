using System.Globalization;
using System.Text;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>Records the cluster tests load: key <c>{prefix}{i}</c>, value <c>"{prefix}{i} value"</c> padded with dots to a size.</summary>
internal static class TestRecords
{
    public static IEnumerable<KeyValuePair<string, byte[]>> Records(string prefix, int count, int valueBytes = 0) =>
        Enumerable.Range(0, count).Select(i => KeyValuePair.Create(string.Create(CultureInfo.InvariantCulture, $"{prefix}{i}"),
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{prefix}{i} value").PadRight(valueBytes, '.'))));

    /// <summary>A value as text, without its padding.</summary>
    public static string? Text(byte[]? value) => value is null ? null : Encoding.UTF8.GetString(value).TrimEnd('.');
}
