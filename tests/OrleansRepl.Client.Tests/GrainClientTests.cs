using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using OrleansRepl.Hosting;
using OrleansRepl.Hosting.Gateway;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.TestKit;

namespace OrleansRepl.Client.Tests;

public interface IGreeterGrain : IGrainWithStringKey
{
    Task<string> GreetAsync(string name);

    ValueTask<int> CountAsync();

    Task FailAsync(string message);
}

/// <summary>A grain interface that extends another: its inherited methods are callable too.</summary>
public interface ILoudGreeterGrain : IGreeterGrain
{
    Task<string> ShoutAsync(string name);
}

public sealed class LoudGreeterGrain([PersistentState("greeter")] IPersistentState<GreeterState> state) : Grain, ILoudGreeterGrain
{
    public Task<string> GreetAsync(string name) => Task.FromResult($"hello {name}");

    public ValueTask<int> CountAsync() => ValueTask.FromResult(state.State.Greeted);

    public Task FailAsync(string message) => throw new InvalidOperationException(message);

    public Task<string> ShoutAsync(string name) => Task.FromResult($"HELLO {name.ToUpperInvariant()}");
}

public sealed class GreeterState
{
    public int Greeted { get; set; }
}

public sealed class GreeterGrain([PersistentState("greeter")] IPersistentState<GreeterState> state) : Grain, IGreeterGrain
{
    public async Task<string> GreetAsync(string name)
    {
        state.State.Greeted++;
        await state.WriteStateAsync();
        return $"hello {name} from {GrainKey}";
    }

    public ValueTask<int> CountAsync() => ValueTask.FromResult(state.State.Greeted);

    public Task FailAsync(string message) => throw new InvalidOperationException(message);
}

[JsonSerializable(typeof(GreeterState))]
internal sealed partial class GreeterJson : JsonSerializerContext;

/// <summary>Typed grain calls through a real Kestrel gateway on loopback, with a bearer token.</summary>
public sealed class GrainClientTests : IAsyncLifetime
{
    private const string Token = "gateway test token 0123456789";
    private readonly TempDirectory _directory = new();
    private WebApplication? _silo;
    private Uri _gateway = null!;

    public async Task InitializeAsync()
    {
        var storage = new SqliteGrainStorage(_directory.File("grains.db"));
        await storage.EnsureSchemaAsync(CancellationToken.None);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddGrainHost(storage, o => o.StateJson = new JsonSerializerOptions { TypeInfoResolver = GreeterJson.Default }).AddGrain<IGreeterGrain, GreeterGrain>().AddGrain<ILoudGreeterGrain, LoudGreeterGrain>();
        _silo = builder.Build();
        _silo.MapGrainGateway(Token);
        await _silo.StartAsync();
        _gateway = new Uri(_silo.Urls.First());
    }

    public async Task DisposeAsync()
    {
        await _silo!.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    [Fact]
    public async Task ATypedReference_CallsTheGrainThroughTheGateway_AndItsStatePersists()
    {
        using var client = Client(_gateway);
        var greeter = client.GetGrain<IGreeterGrain>("node-a/greeter 1");

        Assert.Equal("hello ada from node-a/greeter 1", await greeter.GreetAsync("ada"));
        Assert.Equal("hello bob from node-a/greeter 1", await greeter.GreetAsync("bob"));
        Assert.Equal(2, await greeter.CountAsync());
    }

    [Fact]
    public async Task AnInterfaceThatExtendsAnother_ServesBothInterfacesMethods()
    {
        using var client = Client(_gateway);
        var loud = client.GetGrain<ILoudGreeterGrain>("node-a/loud");
        Assert.Equal("HELLO ADA", await loud.ShoutAsync("ada"));
        Assert.Equal("hello ada", await loud.GreetAsync("ada"));
    }

    [Fact]
    public async Task AFailureOnTheSilo_ComesBackAsAnException_WithItsMessageGrainAndMethod()
    {
        using var client = Client(_gateway);
        var error = await Assert.ThrowsAsync<GrainCallException>(() => client.GetGrain<IGreeterGrain>("node-a/failing").FailAsync("the disk is full"));
        Assert.Equal((500, "InvalidOperationException", "FailAsync"), (error.Status, error.Type, error.Method));
        Assert.Equal($"{typeof(IGreeterGrain).FullName}/node-a/failing", error.Grain);
        Assert.Contains("the disk is full", error.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong token")]
    public async Task AMissingOrWrongToken_Gets401(string? token)
    {
        using var http = new HttpClient();
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.PostAsync(new Uri(_gateway, $"grains/{typeof(IGreeterGrain).FullName}/CountAsync?key=k"), new StringContent("[]"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AnUnreachableGateway_IsSkippedForTheNext()
    {
        using var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var dead = new Uri($"http://127.0.0.1:{((IPEndPoint)closed.LocalEndpoint).Port}/");
        closed.Stop(); // nothing listens there now

        using var client = Client(dead, _gateway);
        Assert.Equal("hello cy from node-a/failover", await client.GetGrain<IGreeterGrain>("node-a/failover").GreetAsync("cy"));
    }

    private static GrainClient Client(params Uri[] gateways) => new(new GrainClientOptions { Gateways = gateways, Token = Token });
}
