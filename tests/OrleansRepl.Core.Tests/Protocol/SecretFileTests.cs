using System.Text;
using OrleansRepl.Core.Protocol;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Protocol;

/// <summary>Secret files: born readable by their owner only, and refused when others may read them or they are guessable.</summary>
public sealed class SecretFileTests : IDisposable
{
    private const string GoodSecret = "q8Zt3Kx0Lm7VbN2cR5wYh9Jf4Dg1Sa6EuPoIiTnWkXyCvB=";
    private readonly TempDirectory _directory = new();

    [Fact]
    public void ACreatedSecret_IsOwnerOnly_FromItsFirstInstant_AndIsNeverWrittenOverAnother()
    {
        var path = _directory.File("secret");
        SecretFile.Create(path, Encoding.ASCII.GetBytes(GoodSecret + "\n"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Equal(GoodSecret, Encoding.ASCII.GetString(SecretFile.Read(path, "cluster secret")));
        Assert.Throws<IOException>(() => SecretFile.Create(path, "another"u8));
    }

    [Fact]
    public void ASecretOthersMayRead_IsRefused_EvenWhenItIsGood()
    {
        var path = _directory.Write("open", GoodSecret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        }

        var error = Assert.Throws<InvalidOperationException>(() => SecretFile.Read(path, "API token"));
        Assert.Equal($"the API token file {path} may be read by others (mode 640); make it readable by its owner only (chmod 600)", error.Message);
    }

    [Theory]
    [InlineData("short secret", "holds 12 bytes; at least 32 are required")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "holds about 0 bits of entropy, fewer than 128")]
    [InlineData("passwordpasswordpasswordpassword", "holds about 88 bits of entropy, fewer than 128")]
    public void AShortOrGuessableSecret_IsRefused_NamingWhy(string secret, string reason)
    {
        var path = _directory.WriteSecret("weak", secret);
        Assert.Contains(reason, Assert.Throws<InvalidOperationException>(() => ClusterSecret.Load(path)).Message);
    }

    [Fact]
    public void TheEntropyEstimate_IsLengthTimesTheBytesShannonEntropy()
    {
        Assert.Equal(0, SecretFile.EntropyBits("zzzz"u8));
        Assert.Equal(8, SecretFile.EntropyBits("abababab"u8), 6);
        Assert.Equal(256 * 8, SecretFile.EntropyBits([.. Enumerable.Range(0, 256).Select(b => (byte)b)]), 6);
        Assert.True(SecretFile.EntropyBits(Encoding.ASCII.GetBytes(GoodSecret)) > SecretFile.MinimumEntropyBits);
    }

    public void Dispose() => _directory.Dispose();
}
