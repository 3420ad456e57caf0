using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrleansRepl.Hosting.Runtime;

namespace OrleansRepl.Hosting.Gateway;

/// <summary>
/// Grain calls as JSON over HTTP: <c>POST /grains/{interface full name}/{method}?key={grain key}</c> with a JSON
/// array of arguments, answered with the JSON result. The key travels in the query, where every character
/// (a '/' above all) is decoded exactly once. Every request needs <c>Authorization: Bearer {token}</c>
/// (401 otherwise). Failures come back as problem details naming the exception type, its message, the grain
/// and the method. <c>GET /membership</c> lists the cluster's silos, so a client can find every gateway.
/// </summary>
public static class GrainGateway
{
    public static IEndpointRouteBuilder MapGrainGateway(this IEndpointRouteBuilder endpoints, string token)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(token);
        var gateway = endpoints.MapGroup("").RequireGatewayToken(token);
        gateway.MapGet("/membership", async (HttpContext http) =>
        {
            var membership = http.RequestServices.GetService<Membership.IMembershipTable>();
            var silos = membership is null ? [] : await membership.ReadAllAsync(http.RequestAborted);
            return Results.Json(silos.Select(s => new { s.SiloId, s.NodeId, s.Host, s.GatewayPort, s.ReplicationPort, Status = s.Status.ToString(), s.Generation, s.IAmAliveAt }));
        });
        gateway.MapPost("/grains/{grainInterface}/{method}", async (HttpContext http, string grainInterface, string method, string key) =>
        {
            var runtime = http.RequestServices.GetRequiredService<GrainRuntime>();
            var registry = http.RequestServices.GetRequiredService<GrainTypeRegistry>();
            var options = http.RequestServices.GetRequiredService<GrainHostOptions>();
            var grain = $"{grainInterface}/{key}";
            if (registry.InterfaceNamed(grainInterface) is not { } type || GrainTypeRegistry.MethodsOf(type).Where(m => m.Name == method).ToList() is not [var target])
            {
                return Problem(StatusCodes.Status404NotFound, "GrainNotFound", $"no grain method {grainInterface}.{method} is registered here (or it is overloaded)", grain, method);
            }

            object?[] arguments;
            try
            {
                using var body = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
                var parameters = target.GetParameters();
                if (body.RootElement.ValueKind != JsonValueKind.Array || body.RootElement.GetArrayLength() != parameters.Length)
                {
                    return Problem(StatusCodes.Status400BadRequest, "BadArguments", $"{method} takes {parameters.Length} arguments as a JSON array", grain, method);
                }

                arguments = [.. parameters.Select((p, i) => body.RootElement[i].Deserialize(p.ParameterType, options.CallJson))];
            }
            catch (JsonException e)
            {
                return Problem(StatusCodes.Status400BadRequest, "BadArguments", $"the arguments are not valid JSON for {method}: {e.Message}", grain, method);
            }

            try
            {
                var forwarded = http.Request.Headers.ContainsKey(Client.GrainClient.ForwardedHeader);
                var result = await runtime.InvokeAsync(new GrainId(registry.ClassOf(type), key), type, target, arguments, forwarded);
                var resultType = target.ReturnType.IsGenericType ? target.ReturnType.GetGenericArguments()[0] : typeof(object);
                return Results.Text(JsonSerializer.Serialize(result, resultType, options.CallJson), "application/json");
            }
            catch (MisdirectedGrainCallException e)
            {
                return Problem(StatusCodes.Status421MisdirectedRequest, e.GetType().Name, e.Message, grain, method);
            }
            catch (Exception e)
            {
                return Problem(StatusCodes.Status500InternalServerError, e.GetType().Name, e.Message, grain, method);
            }
        });
        return endpoints;
    }

    private static IResult Problem(int status, string type, string message, string grain, string method) =>
        Results.Problem(statusCode: status, title: type, detail: message, type: type, extensions: new Dictionary<string, object?> { ["grain"] = grain, ["method"] = method });
}
