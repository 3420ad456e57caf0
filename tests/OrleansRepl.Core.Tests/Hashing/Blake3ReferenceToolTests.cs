using OrleansRepl.Core.Hashing;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Hashing;

/// <summary>Agreement with the b3sum CLI (the reference implementation) on random data, in every mode.</summary>
public sealed class Blake3ReferenceToolTests : IDisposable
{
    private const int Chunk = 1024;
    private const int Block = 64;

    private readonly TempDirectory _directory = new();

    /// <summary>
    /// Sizes at and around block, chunk, wide-kernel (8 chunks) and subtree (128 chunks) boundaries,
    /// random sizes up to several MiB, and one past the size that spreads a hash over cores.
    /// </summary>
    public static IReadOnlyList<int> Sizes()
    {
        var sizes = new SortedSet<int> { 0, 1, 2, 8 * 1024 * 1024 + 13 };
        foreach (var boundary in new[] { Block, 2 * Block, Chunk, 2 * Chunk, 3 * Chunk, 7 * Chunk, 8 * Chunk, 9 * Chunk, 16 * Chunk, 17 * Chunk, 128 * Chunk, 129 * Chunk, 256 * Chunk, 1 << 20 })
        {
            sizes.Add(boundary - 1);
            sizes.Add(boundary);
            sizes.Add(boundary + 1);
        }

        var random = new Random(20261122);
        for (var i = 0; i < 24; i++)
        {
            sizes.Add(random.Next(1, 6 * 1024 * 1024));
        }

        return [.. sizes];
    }

    [Fact]
    public void DefaultMode_MatchesB3sum_OnRandomFilesOfEverySize()
    {
        var files = WriteRandomFiles(Sizes());
        var expected = B3sum(files.Keys, []);
        foreach (var (path, content) in files)
        {
            Assert.Equal(expected[path], Blake3Hasher.Hash(content).ToString());
            using var hasher = new Blake3Hasher();
            hasher.Update(content);
            Assert.Equal(expected[path], hasher.FinalizeHash().ToString());
        }
    }

    [Fact]
    public void KeyedMode_MatchesB3sum()
    {
        var key = new byte[32];
        new Random(3).NextBytes(key);
        var files = WriteRandomFiles(Sizes().Where((_, i) => i % 3 == 0));
        // b3sum reads the raw 32-byte key from standard input.
        var expected = B3sum(files.Keys, ["--keyed"], key);
        foreach (var (path, content) in files)
        {
            Assert.Equal(expected[path], Blake3Hasher.KeyedHash(key, content).ToString());
        }
    }

    [Fact]
    public void DeriveKeyMode_MatchesB3sum_AtExtendedLength()
    {
        const string Context = "OrleansRepl 2026-11-22 reference-tool test context";
        const int Length = 200;
        var files = WriteRandomFiles(Sizes().Where((_, i) => i % 3 == 1));
        var expected = B3sum(files.Keys, ["--derive-key", Context, "--length", Length.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        foreach (var (path, content) in files)
        {
            var output = new byte[Length];
            Blake3Hasher.DeriveKey(Context, content, output);
            Assert.Equal(expected[path], Convert.ToHexStringLower(output));
        }
    }

    [Fact]
    public void IncrementalUpdates_MatchB3sum_HoweverTheInputIsSplit()
    {
        var files = WriteRandomFiles(Sizes().Where((_, i) => i % 2 == 0));
        var expected = B3sum(files.Keys, []);
        var random = new Random(11);
        foreach (var (path, content) in files)
        {
            using var hasher = new Blake3Hasher();
            for (var fed = 0; fed < content.Length;)
            {
                // Small pieces, subtree-sized ones, and ones past the size that spreads an update over cores.
                var piece = Math.Min(content.Length - fed, random.Next(3) switch
                {
                    0 => random.Next(1, 3 * Chunk),
                    1 => random.Next(1, 300 * Chunk),
                    _ => random.Next(Blake3Hasher.JoinThreshold, 2 * Blake3Hasher.JoinThreshold),
                });
                hasher.Update(content.AsSpan(fed, piece));
                fed += piece;
            }

            Assert.Equal(expected[path], hasher.FinalizeHash().ToString());
        }
    }

    public void Dispose() => _directory.Dispose();

    private Dictionary<string, byte[]> WriteRandomFiles(IEnumerable<int> sizes)
    {
        var random = new Random(42);
        var files = new Dictionary<string, byte[]>();
        foreach (var size in sizes)
        {
            var content = new byte[size];
            random.NextBytes(content);
            var path = _directory.File($"input-{size}.bin");
            File.WriteAllBytes(path, content);
            files[path] = content;
        }

        return files;
    }

    private static Dictionary<string, string> B3sum(IEnumerable<string> paths, string[] options, byte[]? standardInput = null)
    {
        var output = ExternalTool.Run("b3sum", options.Concat(["--num-threads", "1"]).Concat(paths), standardInput);
        var hashes = new Dictionary<string, string>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = line.IndexOf("  ", StringComparison.Ordinal);
            hashes[line[(separator + 2)..]] = line[..separator];
        }

        Assert.Equal(paths.Count(), hashes.Count);
        return hashes;
    }
}
