using System.Security.Cryptography;

namespace OrleansRepl.TestKit;

/// <summary>Every file under a directory with a hash of its bytes: equal fingerprints mean no file was added, removed or changed.</summary>
public static class DirectoryFingerprint
{
    public static string Of(string directory) =>
        string.Join("\n", Directory.GetFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(directory, f)} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))}"));
}
