using System.Security.Cryptography;
using System.Text;

namespace OrleansRepl.Silo.Data;

/// <summary>The key-value API's bearer-token check: every endpoint it guards answers 401 without it.</summary>
public static class ApiToken
{
    /// <summary>Requires <c>Authorization: Bearer {token}</c> on every endpoint of <paramref name="endpoints"/>; compared in constant time.</summary>
    public static TBuilder RequireApiToken<TBuilder>(this TBuilder endpoints, string token)
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
