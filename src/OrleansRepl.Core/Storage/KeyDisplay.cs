using System.Text;

namespace OrleansRepl.Core.Storage;

/// <summary>How error messages show a key: quoted when it is printable UTF-8, else hex; long keys are shortened.</summary>
internal static class KeyDisplay
{
    private const int MaxShown = 64;

    public static string Of(ReadOnlySpan<byte> key)
    {
        var shown = key.Length > MaxShown ? key[..MaxShown] : key;
        var suffix = key.Length > MaxShown ? $"… ({key.Length} bytes)" : "";
        try
        {
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(shown);
            if (!text.Any(char.IsControl))
            {
                return $"\"{text}\"{suffix}";
            }
        }
        catch (DecoderFallbackException)
        {
        }

        return $"0x{Convert.ToHexStringLower(shown)}{suffix}";
    }
}
