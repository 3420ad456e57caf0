using System.Globalization;
using System.Text;

namespace OrleansRepl.Client.Cluster;

/// <summary>
/// A key's bytes in a URL and back, exactly: every byte other than an ASCII letter, digit, <c>-</c>, <c>_</c> or
/// <c>~</c> is sent as <c>%XX</c> (so <c>/</c>, <c>%</c>, <c>.</c>, <c>+</c>, NUL and bytes that are not UTF-8
/// all survive), and the server reads the bytes back from the raw request target, never from a decoded string.
/// </summary>
public static class KeyEscaping
{
    /// <summary><paramref name="key"/> as a URL path segment or query value.</summary>
    public static string Escape(ReadOnlySpan<byte> key)
    {
        var text = new StringBuilder(key.Length * 3);
        foreach (var b in key)
        {
            if (IsUnreserved(b))
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The bytes <paramref name="escaped"/> names: each <c>%XX</c> is one byte, any other character its UTF-8 bytes.
    /// False, with the reason, for a <c>%</c> not followed by two hex digits.
    /// </summary>
    public static bool TryUnescape(ReadOnlySpan<char> escaped, out byte[] key, out string? problem)
    {
        var bytes = new List<byte>(escaped.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] == '%')
            {
                if (i + 2 >= escaped.Length || !byte.TryParse(escaped.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                {
                    key = [];
                    problem = $"'%' at character {i} is not followed by two hex digits";
                    return false;
                }

                bytes.Add(b);
                i += 2;
                continue;
            }

            var length = char.IsHighSurrogate(escaped[i]) && i + 1 < escaped.Length
                ? Encoding.UTF8.GetBytes(escaped.Slice(i++, 2), utf8)
                : Encoding.UTF8.GetBytes(escaped.Slice(i, 1), utf8);
            bytes.AddRange(utf8[..length]);
        }

        key = [.. bytes];
        problem = null;
        return true;
    }

    /// <summary>A key as people read it in messages: the escaped form, so an unprintable byte shows as <c>%XX</c>.</summary>
    public static string Display(ReadOnlySpan<byte> key) =>
        Encoding.UTF8.GetString(key) is var text && Encoding.UTF8.GetBytes(text).AsSpan().SequenceEqual(key) && !text.Any(char.IsControl)
            ? text
            : Escape(key);

    private static bool IsUnreserved(byte b) => b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'~';
}
