using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Checksums;

public sealed class Crc32CCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task PrintsEightLowercaseHexDigits_PerFile()
    {
        var check = _directory.File("check");
        File.WriteAllText(check, "123456789");
        var empty = _directory.File("empty");
        File.WriteAllBytes(empty, []);

        var (exitCode, output, error) = await CliRun.RunAsync(["crc32c", check, empty]);
        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Equal($"e3069283  {check}\n00000000  {empty}\n", output);
    }

    [Fact]
    public async Task Dash_ReadsStandardInput() =>
        Assert.Equal("e3069283  -\n", (await CliRun.RunAsync(["crc32c", "-"], CliRun.Utf8("123456789"))).Output);

    [Fact]
    public async Task MissingFile_ExitsOne_NamingIt()
    {
        var missing = _directory.File("nope");
        var (exitCode, _, error) = await CliRun.RunAsync(["crc32c", missing]);
        Assert.Equal(1, exitCode);
        Assert.Contains($"{missing}: no such file or directory", error);
    }

    public void Dispose() => _directory.Dispose();
}
