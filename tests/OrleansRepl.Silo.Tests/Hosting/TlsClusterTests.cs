using System.Net;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Security;
using OrleansRepl.Silo.Demo;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Hosting;

/// <summary>
/// A silo process on its defaults has TLS on every port: the Orleans gateway, the key-value API and the replication
/// port each refuse a client without a certificate from the cluster's CA, and serve one with it.
/// </summary>
public sealed class TlsClusterTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task EveryPort_RefusesPlaintext_AndStrangers_AndServesTheClustersOwnClient()
    {
        await using var cluster = new DemoCluster(_directory.File("cluster"), 1 << 20, SiloLauncher.Dotnet(ExternalTool.Resolve("dotnet"), Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll")));
        var silo = await cluster.StartAsync("n1", TimeSpan.FromSeconds(90), CancellationToken.None);
        using var stranger = new TestCertificates("stranger-ca");
        var strangerIdentity = TlsIdentity.Load(stranger.Issue("client"), serves: false);
        var token = (await File.ReadAllTextAsync(cluster.TokenFile)).Trim();

        // The node says so at start-up.
        Assert.Contains("TLS on every transport (replication, silo-to-silo, gateway, HTTPS)", await File.ReadAllTextAsync(silo.Log));

        // Orleans gateway: the cluster's own client is served; plaintext and a certificate from another CA are not.
        await using (var client = await cluster.ConnectAsync(silo.Gateway))
        {
            Assert.Contains("n1", await client.LiveNodesAsync());
        }

        foreach (var (tls, plaintext) in new[] { ((TlsIdentity?)null, true), (strangerIdentity, false) })
        {
            await Assert.ThrowsAsync<ClusterUnavailableException>(() => ClusterClient.ConnectAsync(new ClusterConnection
            {
                Cluster = cluster.Cluster,
                Gateways = [silo.Gateway],
                Token = token,
                Tls = tls,
                Plaintext = plaintext,
                CallTimeout = TimeSpan.FromSeconds(5),
            }));
        }

        // Key-value API: HTTPS only, with a certificate from the cluster's CA.
        using (var trusting = new HttpClient(ClusterTls.HttpHandler(cluster.ClientTls)))
        {
            Assert.Equal("https", silo.Http.Scheme);
            Assert.Equal(HttpStatusCode.Unauthorized, (await trusting.GetAsync(new Uri(silo.Http, "kv/anything"))).StatusCode);
        }

        using (var plain = new HttpClient())
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new UriBuilder(silo.Http) { Scheme = "http", Path = "kv/anything" }.Uri));
        }

        using (var distrusting = new HttpClient(ClusterTls.HttpHandler(strangerIdentity)))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => distrusting.GetAsync(new Uri(silo.Http, "kv/anything")));
        }

        // Replication port: even with the cluster secret, plaintext and a stranger's certificate get no handshake.
        var secret = ClusterSecret.Load(Path.Combine(cluster.WorkDirectory, "cluster.secret"));
        var replication = new IPEndPoint(IPAddress.Loopback, silo.Ports.Replication);
        await Assert.ThrowsAnyAsync<ProtocolException>(() => NodeConnection.OpenAsync(replication, new NodeCredentials(cluster.Cluster, "intruder", secret), TimeSpan.FromSeconds(3), 1 << 20, CancellationToken.None));
        await Assert.ThrowsAsync<TlsHandshakeException>(() => NodeConnection.OpenAsync(replication, new NodeCredentials(cluster.Cluster, "intruder", secret) { Tls = strangerIdentity }, TimeSpan.FromSeconds(10), 1 << 20, CancellationToken.None));
        var (connection, node) = await NodeConnection.OpenAsync(replication, new NodeCredentials(cluster.Cluster, "operator", secret) { Tls = cluster.ClientTls }, TimeSpan.FromSeconds(10), 1 << 20, CancellationToken.None);
        await connection.DisposeAsync();
        Assert.Equal("n1", node);
    }

    [Fact]
    public async Task APlaintextSilo_WarnsThatItIs_AndServesPlaintextClients()
    {
        await using var cluster = new DemoCluster(_directory.File("plain"), 1 << 20, SiloLauncher.Dotnet(ExternalTool.Resolve("dotnet"), Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll")),
            new Dictionary<string, string> { ["Tls:Plaintext"] = "true" });
        var silo = await cluster.StartAsync("n1", TimeSpan.FromSeconds(90), CancellationToken.None);

        Assert.Null(cluster.ClientTls);
        Assert.Equal("http", silo.Http.Scheme);
        Assert.Contains("TLS is OFF (Tls:Plaintext=true)", await File.ReadAllTextAsync(silo.Log));
        await using var client = await cluster.ConnectAsync(silo.Gateway);
        Assert.Contains("n1", await client.LiveNodesAsync());
        using var plain = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await plain.GetAsync(new Uri(silo.Http, "kv/anything"))).StatusCode);
    }

    public void Dispose() => _directory.Dispose();
}
