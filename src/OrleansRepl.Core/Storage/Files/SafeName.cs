namespace OrleansRepl.Core.Storage.Files;

/// <summary>
/// Identifiers that arrive from peers (node ids, snapshot tokens, database ids) and become part of a file
/// name. Only <c>[A-Za-z0-9._-]</c>, 1 to 128 characters, never <c>..</c>, never a leading dot: such a
/// name can neither climb out of its directory nor hide in it.
/// </summary>
public static class SafeName
{
    public const int MaxLength = 128;

    /// <summary>Returns <paramref name="value"/> if it is safe as a file name; throws naming <paramref name="what"/> and the offending part otherwise.</summary>
    public static string Check(string? value, string what)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new UnsafeNameException(what, value ?? "", "it is empty");
        }

        if (value.Length > MaxLength)
        {
            throw new UnsafeNameException(what, value[..32] + "…", $"it is {value.Length} characters long; at most {MaxLength} are allowed");
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new UnsafeNameException(what, value, $"it contains '{(char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString())}'; only A-Z, a-z, 0-9, '.', '_' and '-' are allowed");
            }
        }

        if (value.Contains("..", StringComparison.Ordinal) || value[0] == '.')
        {
            throw new UnsafeNameException(what, value, "it contains '..' or starts with '.'");
        }

        return value;
    }
}
