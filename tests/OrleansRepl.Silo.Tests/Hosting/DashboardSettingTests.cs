using System.Net;
using System.Text;
using OrleansRepl.Silo.Demo;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Hosting;

/// <summary><c>Silo:Dashboard=false</c>: no dashboard is served (nor its per-call profiling run); the key-value API stays.</summary>
public sealed class DashboardSettingTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task ADashboardTurnedOff_IsNotServed_EvenWithTheRightCredentials()
    {
        await using var cluster = new DemoCluster(_directory.Path, 1 << 20, SiloLauncher.Dotnet(ExternalTool.Resolve("dotnet"), Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll")),
            new Dictionary<string, string> { ["Silo:Dashboard"] = "false" });
        var silo = await cluster.StartAsync("n1", TimeSpan.FromSeconds(90), CancellationToken.None);
        var token = (await File.ReadAllTextAsync(cluster.TokenFile)).Trim();
        using var http = new HttpClient(OrleansRepl.Client.Cluster.ClusterTls.HttpHandler(cluster.ClientTls));

        using var dashboard = new HttpRequestMessage(HttpMethod.Get, new Uri(silo.Http, "dashboard/"));
        dashboard.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"orepl:{token}")));
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(dashboard)).StatusCode);

        await Poll.UntilAsync(async () =>
        {
            using var read = new HttpRequestMessage(HttpMethod.Get, new Uri(silo.Http, "kv/anything?local=true"));
            read.Headers.Authorization = new("Bearer", token);
            return (await http.SendAsync(read)).StatusCode == HttpStatusCode.NotFound; // the API answers (once the store is open): no such key
        }, TimeSpan.FromSeconds(30), "the key-value API to answer");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri(silo.Http, "kv/anything?local=true"))).StatusCode);
    }

    public void Dispose() => _directory.Dispose();
}
