using System.Text;

namespace OrleansRepl.TestKit;

/// <summary>Readable keys and values for tests: <c>using static OrleansRepl.TestKit.Utf8;</c>.</summary>
public static class Utf8
{
    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);
}
