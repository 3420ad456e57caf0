using OrleansRepl.Core.Hashing;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Checksums;

public sealed class HashCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task PrintsOneLinePerFile_HashTwoSpacesPath()
    {
        var first = Write("a.txt", "alpha");
        var second = Write("b.txt", "beta");
        var (exitCode, output, error) = await CliRun.RunAsync(["hash", first, second]);

        Assert.Equal(0, exitCode);
        Assert.Empty(error);
        Assert.Equal(
            $"{Blake3Hasher.Hash(CliRun.Utf8("alpha"))}  {first}\n{Blake3Hasher.Hash(CliRun.Utf8("beta"))}  {second}\n",
            output);
    }

    [Fact]
    public async Task Dash_AndNoArguments_ReadStandardInput()
    {
        var input = CliRun.Utf8("from stdin");
        var expected = $"{Blake3Hasher.Hash(input)}  -\n";
        Assert.Equal(expected, (await CliRun.RunAsync(["hash", "-"], input)).Output);
        Assert.Equal(expected, (await CliRun.RunAsync(["hash"], input)).Output);
    }

    [Fact]
    public async Task Length_PrintsThatManyBytesOfExtendedOutput()
    {
        var path = Write("x", "extend me");
        var (exitCode, output, _) = await CliRun.RunAsync(["hash", "--length", "100", path]);
        var expected = new byte[100];
        Blake3Hasher.Hash(CliRun.Utf8("extend me"), expected);

        Assert.Equal(0, exitCode);
        Assert.Equal($"{Convert.ToHexStringLower(expected)}  {path}\n", output);
    }

    [Fact]
    public async Task Keyed_And_DeriveKey_SelectTheirModes()
    {
        var key = Enumerable.Range(0, 32).Select(i => (byte)(i * 3)).ToArray();
        var path = Write("m", "message");
        var keyed = await CliRun.RunAsync(["hash", "--keyed", Convert.ToHexString(key), path]);
        Assert.Equal($"{Blake3Hasher.KeyedHash(key, CliRun.Utf8("message"))}  {path}\n", keyed.Output);

        var derived = new byte[32];
        Blake3Hasher.DeriveKey("orepl test", CliRun.Utf8("message"), derived);
        var derive = await CliRun.RunAsync(["hash", "--derive-key", "orepl test", path]);
        Assert.Equal($"{Convert.ToHexStringLower(derived)}  {path}\n", derive.Output);
    }

    [Theory]
    [InlineData(new[] { "hash", "--keyed", "00ff" }, "a BLAKE3 key is 32 bytes (64 hex digits), got 2 bytes")]
    [InlineData(new[] { "hash", "--keyed", "xyz" }, "\"xyz\" is not hex")]
    [InlineData(new[] { "hash", "--length", "0" }, "--length must be between 1 and 67108864 bytes, got 0")]
    [InlineData(new[] { "hash", "--length", "67108865" }, "--length must be between 1 and 67108864 bytes, got 67108865")]
    [InlineData(new[] { "hash", "--keyed", "0000000000000000000000000000000000000000000000000000000000000000", "--derive-key", "c" }, "--keyed and --derive-key select different modes")]
    public async Task BadOptions_FailBeforeReadingAnything_WithAMessageThatNamesTheProblem(string[] args, string message)
    {
        // Standard input would be read if the command ran; a rejected command line must not touch it.
        var stdinOpened = false;
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await OreplCommand.RunAsync(args, () =>
        {
            stdinOpened = true;
            return new MemoryStream();
        }, output, error);

        Assert.Equal(1, exitCode);
        Assert.Contains(message, error.ToString());
        Assert.Empty(output.ToString());
        Assert.False(stdinOpened);
    }

    [Fact]
    public async Task MissingFile_IsReportedOnStandardError_OthersStillHashed_ExitCodeOne()
    {
        var present = Write("present", "here");
        var missing = _directory.File("missing");
        var (exitCode, output, error) = await CliRun.RunAsync(["hash", missing, present]);

        Assert.Equal(1, exitCode);
        Assert.Equal($"orepl hash: {missing}: no such file or directory\n", error.Replace("\r", string.Empty));
        Assert.Equal($"{Blake3Hasher.Hash(CliRun.Utf8("here"))}  {present}\n", output);
    }

    [Fact]
    public async Task Directory_IsReportedAsAnError()
    {
        var (exitCode, _, error) = await CliRun.RunAsync(["hash", _directory.Path]);
        Assert.Equal(1, exitCode);
        Assert.Contains(_directory.Path, error);
    }

    public void Dispose() => _directory.Dispose();

    private string Write(string name, string content)
    {
        var path = _directory.File(name);
        File.WriteAllText(path, content);
        return path;
    }
}
