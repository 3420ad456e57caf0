using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests;

/// <summary>The built <c>orepl</c> run as its own process, its output compared byte for byte with b3sum's.</summary>
public sealed class OreplExecutableTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public void HashOutput_IsIdenticalToB3sum_ForFilesStdinAndOddNames()
    {
        var random = new Random(17);
        var paths = new List<string>();
        foreach (var (name, size) in new[] { ("empty", 0), ("one", 1), ("chunk", 1024), ("big", 3_000_017), ("back\\slash", 99), ("new\nline", 2049) })
        {
            var content = new byte[size];
            random.NextBytes(content);
            var path = _directory.File(name);
            File.WriteAllBytes(path, content);
            paths.Add(path);
        }

        var stdin = new byte[5000];
        random.NextBytes(stdin);
        var arguments = paths.Append("-").ToArray();

        var reference = ExternalTool.Run("b3sum", arguments, stdin);
        var ours = Orepl.Run(["hash", .. arguments], stdin);

        Assert.Equal(0, ours.ExitCode);
        Assert.Equal(reference, ours.StandardOutput);
    }

    [Fact]
    public void KeyedAndDerivedOutput_IsIdenticalToB3sum()
    {
        var path = _directory.File("data");
        var content = new byte[70_000];
        new Random(19).NextBytes(content);
        File.WriteAllBytes(path, content);
        var key = new byte[32];
        new Random(23).NextBytes(key);

        Assert.Equal(
            ExternalTool.Run("b3sum", ["--keyed", path], key),
            Orepl.Run(["hash", "--keyed", Convert.ToHexString(key), path]).StandardOutput);
        Assert.Equal(
            ExternalTool.Run("b3sum", ["--derive-key", "orepl 2026 derive", "--length", "77", path]),
            Orepl.Run(["hash", "--derive-key", "orepl 2026 derive", "--length", "77", path]).StandardOutput);
    }

    [Fact]
    public void MissingFile_ExitsOne_WithTheMessageOnStandardError()
    {
        var result = Orepl.Run(["hash", _directory.File("absent")]);
        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.StandardOutput);
        Assert.Contains("absent: no such file or directory", result.StandardError);
    }

    public void Dispose() => _directory.Dispose();
}
