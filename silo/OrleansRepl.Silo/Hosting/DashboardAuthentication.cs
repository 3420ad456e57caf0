using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// HTTP Basic authentication for the Orleans Dashboard: the dashboard page's own requests carry no bearer token, so
/// a browser needs a challenge it can answer. Unauthenticated requests get 401 with <c>WWW-Authenticate: Basic</c>;
/// the user is <see cref="SiloHostOptions.DashboardUser"/> and the password the API token, compared in constant time.
/// </summary>
public sealed class DashboardAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<SiloHostOptions> silo)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "DashboardBasic";

    /// <summary>The authorization policy of every page behind these credentials: the dashboard, the replication page, <c>/metrics</c>.</summary>
    public const string Policy = "Dashboard";

    private readonly byte[] _expected = Encoding.UTF8.GetBytes($"{silo.Value.DashboardUser}:{silo.Value.ResolveToken()}");

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || !"Basic".Equals(header.Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        byte[] presented;
        try
        {
            presented = Convert.FromBase64String(header.Parameter ?? "");
        }
        catch (FormatException)
        {
            return Task.FromResult(AuthenticateResult.Fail("the Basic credentials are not base64"));
        }

        if (!CryptographicOperations.FixedTimeEquals(presented, _expected))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong dashboard user or password"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, silo.Value.DashboardUser)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Basic realm=\"OrleansRepl dashboard\", charset=\"UTF-8\"";
        return Task.CompletedTask;
    }
}
