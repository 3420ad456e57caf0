using System.Text;

namespace OrleansRepl.Cli.Checksums;

/// <summary>
/// Formats <c>&lt;hex&gt;  &lt;path&gt;</c> lines exactly as b3sum and the coreutils *sum tools do, so their
/// outputs can be diffed. A path holding a backslash or newline is escaped, and its line starts with a backslash.
/// </summary>
internal static class ChecksumLine
{
    public static string Format(string hex, string path)
    {
        if (!path.Contains('\\') && !path.Contains('\n'))
        {
            return $"{hex}  {path}";
        }

        var escaped = new StringBuilder(path.Length + 8);
        foreach (var c in path)
        {
            escaped.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                _ => c.ToString(),
            });
        }

        return $"\\{hex}  {escaped}";
    }
}
