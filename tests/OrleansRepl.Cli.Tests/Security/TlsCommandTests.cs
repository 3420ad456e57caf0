using OrleansRepl.Core.Security;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Security;

/// <summary><c>orepl tls create</c>, and what the replication commands say without TLS settings.</summary>
public sealed class TlsCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Create_MakesACa_AndADirectoryPerName_ThatLoad_WithPrivateKeys()
    {
        var tls = _directory.File("tls");
        var (exitCode, output, error) = await CliRun.RunAsync(["tls", "create", "--dir", tls, "--names", "n1,client"]);

        Assert.True(exitCode == 0, error);
        Assert.Contains("created a cluster CA", output);
        Assert.Contains("issued n1", output);
        foreach (var key in (string[])["ca/ca.key", "n1/node.key", "client/node.key"])
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(tls, key)));
        }

        Assert.Contains("CN=n1", TlsIdentity.Load(TlsSettings.InDirectory(Path.Combine(tls, "n1")), serves: true).Describe());

        // A second run issues from the same CA; a name that exists is refused, never overwritten.
        (exitCode, output, _) = await CliRun.RunAsync(["tls", "create", "--dir", tls, "--names", "n2"]);
        Assert.Equal(0, exitCode);
        Assert.DoesNotContain("created a cluster CA", output);
        var n1 = TlsIdentity.Load(TlsSettings.InDirectory(Path.Combine(tls, "n1")), serves: true);
        Assert.Null(n1.CheckServer(TlsIdentity.Load(TlsSettings.InDirectory(Path.Combine(tls, "n2")), serves: true).Certificate));
        var before = await File.ReadAllTextAsync(Path.Combine(tls, "n1", "node.crt"));
        (exitCode, _, error) = await CliRun.RunAsync(["tls", "create", "--dir", tls, "--names", "n3,n1"]);
        Assert.Equal(1, exitCode);
        Assert.Contains("n1 already exists; a TLS directory is never overwritten", error);
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(tls, "n1", "node.crt")));
        Assert.False(Directory.Exists(Path.Combine(tls, "n3")), "nothing is issued when one name is refused");
    }

    [Fact]
    public async Task Create_RefusesANameThatIsNotOne()
    {
        var (exitCode, _, error) = await CliRun.RunAsync(["tls", "create", "--dir", _directory.File("tls"), "--names", "../escape"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("--names must list names of 1-64 characters", error);
        Assert.False(Directory.Exists(_directory.File("tls")));
    }

    [Fact]
    public async Task AReplicationCommand_WithoutTlsOrPlaintext_SaysTlsIsTheDefault_AndBothIsRefused()
    {
        var secret = _directory.WriteSecret("secret", "correct horse battery staple 0123456789 and more");
        string[] follow = ["follow", "--dir", _directory.File("f"), "--leader", "127.0.0.1:9", "--secret-file", secret];

        var (exitCode, _, error) = await CliRun.RunAsync(follow);
        Assert.Equal(1, exitCode);
        Assert.Contains("TLS is on by default: give --tls DIR", error);

        (exitCode, _, error) = await CliRun.RunAsync([.. follow, "--plaintext", "--tls", _directory.Path]);
        Assert.Equal(1, exitCode);
        Assert.Contains("choose one", error);

        (exitCode, _, error) = await CliRun.RunAsync([.. follow, "--tls", _directory.File("missing")]);
        Assert.Equal(1, exitCode);
        Assert.Contains("--tls " + _directory.File("missing"), error);
    }

    public void Dispose() => _directory.Dispose();
}
