using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using OrleansRepl.Hosting;
using OrleansRepl.Hosting.Gateway;
using OrleansRepl.Hosting.Membership;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.Hosting.Placement;
using OrleansRepl.Hosting.Runtime;
using OrleansRepl.TestKit;

namespace OrleansRepl.Client.Tests;

/// <summary>Two silos of two nodes on one database: a grain of node b called through node a's gateway activates on b.</summary>
public sealed class PlacementTests : IAsyncLifetime
{
    private const string Token = "placement test token 0123456789";
    private readonly TempDirectory _directory = new();
    private readonly List<WebApplication> _silos = [];

    public async Task InitializeAsync()
    {
        var storage = new SqliteGrainStorage(_directory.File("cluster.db"));
        await storage.EnsureSchemaAsync(CancellationToken.None);
        foreach (var node in new[] { "node-a", "node-b" })
        {
            var membership = new SqliteMembershipTable(storage);
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services
                .AddGrainHost(storage, o =>
                {
                    o.StateJson = new JsonSerializerOptions { TypeInfoResolver = GreeterJson.Default };
                    o.LocalNode = node;
                })
                .AddGrain<IGreeterGrain, GreeterGrain>()
                .AddSingleton<IMembershipTable>(membership)
                .AddSingleton<IRemoteGrainInvoker>(new MembershipGrainInvoker(membership, Token, new JsonSerializerOptions(JsonSerializerDefaults.Web)));
            var silo = builder.Build();
            silo.MapGrainGateway(Token);
            await silo.StartAsync();
            var gateway = new Uri(silo.Urls.First());
            await membership.JoinAsync(new SiloAddress($"{node}-silo", node, "127.0.0.1", 0, gateway.Port), TimeSpan.FromSeconds(30), CancellationToken.None);
            await membership.HeartbeatAsync($"{node}-silo", SiloStatus.Active, CancellationToken.None);
            _silos.Add(silo);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task AGrainOfAnotherNode_ActivatesOnThatNodesSilo_WhicheverGatewayIsCalled()
    {
        using var client = new GrainClient(new GrainClientOptions { Gateways = [new Uri(_silos[0].Urls.First())], Token = Token });

        Assert.Equal("hello ada from node-b/greeter", await client.GetGrain<IGreeterGrain>("node-b/greeter").GreetAsync("ada"));
        Assert.Equal("hello bob from node-a/greeter", await client.GetGrain<IGreeterGrain>("node-a/greeter").GreetAsync("bob"));

        Assert.Equal(1, Runtime(0).ActivationCount); // node-a/greeter only
        Assert.Equal(1, Runtime(1).ActivationCount); // node-b/greeter, reached through node a
        Assert.Equal(1, await client.GetGrain<IGreeterGrain>("node-b/greeter").CountAsync());
    }

    [Fact]
    public async Task AClientToldOfOneGateway_LearnsEveryLiveSilosFromTheMembership()
    {
        using var client = new GrainClient(new GrainClientOptions { Gateways = [new Uri(_silos[0].Urls.First())], Token = Token });

        var gateways = await client.RefreshGatewaysAsync();
        Assert.Equal(_silos.Select(s => new Uri(s.Urls.First()).Port).Order(), gateways.Select(g => g.Port).Order());
    }

    [Fact]
    public async Task AForwardedCallForAGrainThisSiloDoesNotOwn_IsRefused_NotForwardedAgain()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        http.DefaultRequestHeaders.Add(GrainClient.ForwardedHeader, "1");
        using var response = await http.PostAsync(new Uri(new Uri(_silos[0].Urls.First()), $"grains/{typeof(IGreeterGrain).FullName}/CountAsync?key=node-b/x"), new StringContent("[]"));

        Assert.Equal(HttpStatusCode.MisdirectedRequest, response.StatusCode);
        Assert.Contains("lives on node node-b; this silo is node node-a and does not forward this call", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, Runtime(0).ActivationCount);
    }

    private GrainRuntime Runtime(int silo) => _silos[silo].Services.GetRequiredService<GrainRuntime>();
}
