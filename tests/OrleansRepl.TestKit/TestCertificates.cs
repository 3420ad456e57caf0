using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Security;

namespace OrleansRepl.TestKit;

/// <summary>A throwaway cluster CA for one test or fixture, and the TLS directories it issues; all deleted on dispose.</summary>
public sealed class TestCertificates : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ClusterCertificateAuthority _authority;

    public TestCertificates(string name = "test-ca")
    {
        _authority = ClusterCertificateAuthority.Create(name, TimeSpan.FromDays(30));
        _authority.Save(_directory.File("ca"));
    }

    /// <summary>The CA's own directory (<c>ca.crt</c>, <c>ca.key</c>).</summary>
    public string AuthorityDirectory => _directory.File("ca");

    /// <summary>A TLS directory for <paramref name="name"/>, issued by this CA (made once per name).</summary>
    public TlsSettings Issue(string name)
    {
        var directory = _directory.File(name);
        return Directory.Exists(directory) ? TlsSettings.InDirectory(directory) : _authority.Issue(name, directory, TimeSpan.FromDays(1));
    }

    /// <summary>A node's loaded identity for <paramref name="name"/>.</summary>
    public TlsIdentity Identity(string name) => TlsIdentity.Load(Issue(name), serves: true);

    /// <summary><paramref name="credentials"/> with TLS on, as <paramref name="credentials"/>'s node.</summary>
    public NodeCredentials Secure(NodeCredentials credentials) => credentials with { Tls = Identity(credentials.NodeId) };

    public void Dispose()
    {
        _authority.Dispose();
        _directory.Dispose();
    }
}
