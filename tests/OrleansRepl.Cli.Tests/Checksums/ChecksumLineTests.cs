using OrleansRepl.Cli.Checksums;

namespace OrleansRepl.Cli.Tests.Checksums;

public sealed class ChecksumLineTests
{
    [Fact]
    public void PlainPath_IsHexTwoSpacesPath() =>
        Assert.Equal("abcd  dir/file name.txt", ChecksumLine.Format("abcd", "dir/file name.txt"));

    [Fact]
    public void BackslashAndNewline_AreEscaped_AndTheLineIsMarked() =>
        Assert.Equal("\\abcd  a\\\\b\\nc", ChecksumLine.Format("abcd", "a\\b\nc"));
}
