using OrleansRepl.Core.Security;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.Security;

/// <summary>Loading a node's TLS files: each kind of bad file refused at start-up, naming it; a rotation picked up, a bad one ignored.</summary>
public sealed class TlsIdentityTests : IDisposable
{
    private readonly TestCertificates _ca = new();
    private readonly TempDirectory _directory = new();

    [Fact]
    public void AnIssuedDirectory_Loads_AndDescribesItsCertificate()
    {
        var identity = TlsIdentity.Load(_ca.Issue("n1"), serves: true);

        Assert.Contains("CN=n1", identity.Describe());
        Assert.Contains("CN=test-ca", identity.Describe());
        Assert.True(identity.Certificate.HasPrivateKey);
    }

    [Fact]
    public void NoFilesNamed_IsAProblemNamingTheKeys_AndPlaintextIsNone()
    {
        var problems = new TlsSettings().Problems();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Tls:CaFile is not set", StringComparison.Ordinal) && p.Contains("Tls:Plaintext=true"));
        Assert.Empty(new TlsSettings { Plaintext = true }.Problems());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void AKeyOthersMayRead_IsRefused()
    {
        var settings = _ca.Issue("n1");
        File.SetUnixFileMode(settings.ResolvedKeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        var refused = Assert.Throws<TlsConfigurationException>(() => TlsIdentity.Load(settings, serves: true));

        Assert.Contains(settings.ResolvedKeyFile, refused.Message);
        Assert.Contains("may be read by others", refused.Message);
    }

    [Fact]
    public void AKeyOfAnotherCertificate_IsRefused_NamingBothFiles()
    {
        var n1 = _ca.Issue("n1");
        var n2 = _ca.Issue("n2");
        var mixed = new TlsSettings { CaFile = n1.ResolvedCaFile, CertificateFile = n1.ResolvedCertificateFile, KeyFile = n2.ResolvedKeyFile };

        var refused = Assert.Throws<TlsConfigurationException>(() => TlsIdentity.Load(mixed, serves: true));

        Assert.Contains(n2.ResolvedKeyFile, refused.Message);
        Assert.Contains(n1.ResolvedCertificateFile, refused.Message);
    }

    [Fact]
    public void ACertificateFromAnotherCa_IsRefused()
    {
        using var stranger = new TestCertificates("stranger-ca");
        var theirs = stranger.Issue("n1");
        var settings = new TlsSettings { CaFile = _ca.Issue("n2").ResolvedCaFile, CertificateFile = theirs.ResolvedCertificateFile, KeyFile = theirs.ResolvedKeyFile };

        var refused = Assert.Throws<TlsConfigurationException>(() => TlsIdentity.Load(settings, serves: true));

        Assert.Contains("is not one the cluster's CA", refused.Message);
        Assert.Contains("stranger-ca", refused.Message);
    }

    [Fact]
    public void AnExpiredCertificate_IsRefused_WithItsDates()
    {
        var refused = Assert.Throws<TlsConfigurationException>(() => TlsIdentity.Load(_ca.Issue("n1"), serves: true, time: new ManualClock(DateTimeOffset.UtcNow.AddDays(3))));

        Assert.Contains("is valid from", refused.Message);
        Assert.Contains("not now", refused.Message);
    }

    [Fact]
    public void ACaFileWithALeafCertificate_IsRefused()
    {
        var n1 = _ca.Issue("n1");
        var settings = new TlsSettings { CaFile = n1.ResolvedCertificateFile, CertificateFile = n1.ResolvedCertificateFile, KeyFile = n1.ResolvedKeyFile };

        Assert.Contains("is not a CA certificate", Assert.Throws<TlsConfigurationException>(() => TlsIdentity.Load(settings, serves: true)).Message);
    }

    [Fact]
    public async Task ARotatedCertificate_IsPresentedOnceRead_AndABrokenRotationKeepsTheLastGoodOne()
    {
        var live = _directory.File("live");
        Directory.CreateDirectory(live);
        var first = _ca.Issue("first");
        CopyInto(first, live);
        var identity = TlsIdentity.Load(new TlsSettings { Directory = live, ReloadCheckSeconds = 1 }, serves: true);
        Assert.Contains("CN=first", identity.Certificate.Subject);

        // A rotation: the new certificate and key replace the old ones.
        CopyInto(_ca.Issue("second"), live);
        await Poll.UntilAsync(() => identity.Certificate.Subject.Contains("CN=second", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the rotated certificate to be read");

        // A broken rotation (a key that is not the certificate's) is refused; the last good pair stays.
        File.Copy(first.ResolvedKeyFile, Path.Combine(live, TlsSettings.KeyFileName), overwrite: true);
        await Task.Delay(1_200);
        Assert.Contains("CN=second", identity.Certificate.Subject);
    }

    private static void CopyInto(TlsSettings from, string directory)
    {
        foreach (var file in new[] { from.ResolvedCaFile, from.ResolvedCertificateFile, from.ResolvedKeyFile })
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)), overwrite: true);
        }
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }
}
