using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace OrleansRepl.Hosting.Gateway;

/// <summary>The gateway's bearer-token check: every endpoint of a silo that clients reach requires it (401 otherwise).</summary>
public static class GatewayToken
{
    /// <summary>Requires <c>Authorization: Bearer {token}</c> on every endpoint of <paramref name="endpoints"/>; compared in constant time.</summary>
    public static TBuilder RequireGatewayToken<TBuilder>(this TBuilder endpoints, string token)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var expected = Encoding.UTF8.GetBytes($"Bearer {token}");
        return endpoints.AddEndpointFilter(async (context, next) =>
        {
            var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers.Authorization.ToString());
            return CryptographicOperations.FixedTimeEquals(presented, expected)
                ? await next(context)
                : Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "missing or wrong bearer token");
        });
    }
}
