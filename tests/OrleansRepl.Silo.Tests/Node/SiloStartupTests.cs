using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Node;

/// <summary>A silo with bad settings refuses to start, naming every problem of both sections at once.</summary>
public sealed class SiloStartupTests
{
    [Fact]
    public void BadSettings_StopTheSilo_BeforeAnythingStarts_NamingEachKey()
    {
        var result = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"),
            [Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll"), "--Silo:NodeId=../etc", "--Silo:Token=short", "--Silo:Host=10.1.2.3", "--Tls:Plaintext=true", "--Replication:ShardCount=0", "--Replication:Fsync=sometimes", "--Silo:SiloListenPort=70000"]);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("orepl-silo: invalid configuration: ", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Silo:NodeId must be 1-128 characters of [A-Za-z0-9._-] without '..', got \"../etc\"", result.StandardError);
        Assert.Contains("Silo:Token must be at least 32 bytes with 128 bits of entropy (or set Silo:TokenFile, which keeps it off the command line)", result.StandardError);
        Assert.Contains("Silo:Host must be a loopback address while Tls:Plaintext=true, got \"10.1.2.3\"", result.StandardError);
        Assert.Contains("Silo:ReplicationPort must be set", result.StandardError);
        Assert.Contains("Silo:SiloListenPort must be 0-65535, got 70000", result.StandardError);
        Assert.Contains("Silo:SiloListenPort needs Silo:SiloPort set too: it is the port the others reach this silo at, forwarded to 70000", result.StandardError);
        Assert.Contains("Replication:ShardCount must be 1-1024, got 0", result.StandardError);
        Assert.Contains("Replication:SecretFile must name the node-to-node secret file", result.StandardError);
        Assert.Contains("Replication:Fsync must be \"always\", \"interval\" or \"never\", got \"sometimes\"", result.StandardError);
    }

    [Fact]
    public void WithoutTlsFiles_TheSiloRefusesToStart_SayingTlsIsOnByDefault()
    {
        var result = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"), [Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll"), "--Silo:NodeId=n1"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Tls:CaFile is not set (nor Tls:Directory): TLS is on by default", result.StandardError);
        Assert.Contains("set Tls:Plaintext=true to run without it", result.StandardError);
    }

    [Fact]
    public void ACertificateTheConfiguredCaDidNotIssue_StopsTheSilo_NamingTheFile()
    {
        using var ours = new TestCertificates("our-ca");
        using var theirs = new TestCertificates("their-ca");
        var node = theirs.Issue("n1");
        var result = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"), [Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll"), "--Silo:NodeId=n1",
            $"--Tls:CaFile={ours.Issue("other").ResolvedCaFile}", $"--Tls:CertificateFile={node.ResolvedCertificateFile}", $"--Tls:KeyFile={node.ResolvedKeyFile}"]);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Tls: the TLS certificate in {node.ResolvedCertificateFile} (CN=n1, O=OrleansRepl) is not one the cluster's CA", result.StandardError);
        Assert.Contains("their-ca", result.StandardError);
    }

    [Fact]
    public void AMissingSettingsFile_IsNamed()
    {
        var result = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"), [Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll"), "--config=/no/such/n1.json"]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the settings file --config=/no/such/n1.json does not exist", result.StandardError);
    }
}
