using System.Text;
using System.Text.Json;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Tests.Hashing;

/// <summary>The official BLAKE3 test vectors (TestData/blake3_test_vectors.json) and the input they describe.</summary>
internal static class Blake3TestVectors
{
    private static readonly Lazy<VectorFile> File = new(Load);

    public static byte[] Key => Encoding.ASCII.GetBytes(File.Value.Key);

    public static string Context => File.Value.ContextString;

    public static IReadOnlyList<VectorCase> Cases => File.Value.Cases;

    /// <summary>The vectors' input: the repeating sequence 0, 1, …, 250.</summary>
    public static byte[] Input(int length)
    {
        var input = new byte[length];
        for (var i = 0; i < length; i++)
        {
            input[i] = (byte)(i % 251);
        }

        return input;
    }

    public static Blake3Hasher NewHasher(string mode) => mode switch
    {
        "hash" => new Blake3Hasher(),
        "keyed_hash" => Blake3Hasher.CreateKeyed(Key),
        "derive_key" => Blake3Hasher.CreateDeriveKey(Context),
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown BLAKE3 mode"),
    };

    private static VectorFile Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestData", "blake3_test_vectors.json");
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(path));
        var root = document.RootElement;
        var cases = root.GetProperty("cases").EnumerateArray().Select(c => new VectorCase(
            c.GetProperty("input_len").GetInt32(),
            new Dictionary<string, byte[]>
            {
                ["hash"] = Convert.FromHexString(c.GetProperty("hash").GetString()!),
                ["keyed_hash"] = Convert.FromHexString(c.GetProperty("keyed_hash").GetString()!),
                ["derive_key"] = Convert.FromHexString(c.GetProperty("derive_key").GetString()!),
            })).ToList();
        return new VectorFile(root.GetProperty("key").GetString()!, root.GetProperty("context_string").GetString()!, cases);
    }

    internal sealed record VectorCase(int InputLength, IReadOnlyDictionary<string, byte[]> Expected);

    private sealed record VectorFile(string Key, string ContextString, IReadOnlyList<VectorCase> Cases);
}
