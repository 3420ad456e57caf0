using System.Globalization;

namespace OrleansRepl.Silo.Data;

/// <summary>An answer that tells the client to come back after <paramref name="seconds"/> (the Retry-After header), then is <paramref name="inner"/>.</summary>
internal sealed class RetryAfterResult(IResult inner, int seconds) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return inner.ExecuteAsync(httpContext);
    }
}
