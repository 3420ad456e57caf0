using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using OrleansRepl.Client;
using OrleansRepl.Hosting.Membership;

namespace OrleansRepl.Hosting.Placement;

/// <summary>Calls a grain that lives on another node.</summary>
public interface IRemoteGrainInvoker
{
    Task<object?> InvokeAsync(string node, Type grainInterface, string key, MethodInfo method, object?[] arguments);
}

/// <summary>
/// Finds the node's live silo in the membership table (the newest generation that is not dead) and calls the
/// grain through that silo's gateway, marked as forwarded so it is never forwarded again.
/// </summary>
public sealed class MembershipGrainInvoker(IMembershipTable membership, string token, JsonSerializerOptions json) : IRemoteGrainInvoker, IDisposable
{
    private readonly ConcurrentDictionary<Uri, GrainClient> _clients = new();

    public async Task<object?> InvokeAsync(string node, Type grainInterface, string key, MethodInfo method, object?[] arguments)
    {
        var silos = await membership.ReadAllAsync(CancellationToken.None);
        var owner = silos.Where(s => s.NodeId == node && s.Status is SiloStatus.Active or SiloStatus.Joining).MaxBy(s => s.Generation)
            ?? throw new InvalidOperationException($"{grainInterface.Name} {key} lives on node {node}, which has no live silo (members: {string.Join(", ", silos.Where(s => s.Status != SiloStatus.Dead).Select(s => s.NodeId).Distinct())})");
        var gateway = new Uri($"http://{owner.Host}:{owner.GatewayPort}/");
        var client = _clients.GetOrAdd(gateway, uri => new GrainClient(new GrainClientOptions { Gateways = [uri], Token = token, Json = json, Forwarding = true, MaxAttempts = 2 }));
        return await client.InvokeAsync(grainInterface, key, method, arguments);
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
    }
}
