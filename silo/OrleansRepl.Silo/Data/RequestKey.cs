using Microsoft.AspNetCore.Http.Features;
using OrleansRepl.Client.Cluster;

namespace OrleansRepl.Silo.Data;

/// <summary>
/// The key a key-value request names, as bytes read from the raw request target: the one path segment after
/// <c>/kv/</c>, or the <c>key</c> query parameter of <c>/kv</c>. Never from the route value, which the server has
/// already decoded to a string (where <c>%2F</c> and <c>%252F</c> would be the same key, and non-UTF-8 bytes lost).
/// Keys <c>.</c> and <c>..</c>, which no server keeps in a path, need the query form.
/// </summary>
public static class RequestKey
{
    private const string Prefix = "/kv";

    /// <summary>The key's bytes, or false with the reason (a 400).</summary>
    public static bool TryRead(HttpContext http, out byte[] key, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(http);
        var target = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value + http.Request.QueryString.Value;
        var queryStart = target.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? target : target[..queryStart];
        var query = queryStart < 0 ? "" : target[(queryStart + 1)..];
        if (!path.StartsWith('/') && path.IndexOf("://", StringComparison.Ordinal) is var scheme and >= 0)
        {
            var slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path[slash..]; // the absolute form a proxy may send
        }

        if (path.TrimEnd('/') == Prefix)
        {
            return FromQuery(query, out key, out problem);
        }

        var segment = path.StartsWith(Prefix + "/", StringComparison.Ordinal) ? path[(Prefix.Length + 1)..] : null;
        if (segment is null || segment.Contains('/', StringComparison.Ordinal))
        {
            (key, problem) = ([], $"the path {path} does not name one key: use /kv/{{escaped key}} or /kv?key={{escaped key}}");
            return false;
        }

        return Decode(segment, out key, out problem);
    }

    private static bool FromQuery(string query, out byte[] key, out string? problem)
    {
        var values = query.Split('&').Where(p => p.StartsWith("key=", StringComparison.Ordinal)).ToList();
        if (values.Count != 1)
        {
            (key, problem) = ([], values.Count == 0 ? "no key: use /kv/{escaped key} or /kv?key={escaped key}" : $"{values.Count} key parameters; give one");
            return false;
        }

        return Decode(values[0]["key=".Length..], out key, out problem);
    }

    private static bool Decode(string escaped, out byte[] key, out string? problem)
    {
        if (!KeyEscaping.TryUnescape(escaped, out key, out problem))
        {
            problem = $"the key is not escaped properly: {problem}";
            return false;
        }

        if (key.Length == 0)
        {
            problem = "the key is empty";
            return false;
        }

        return true;
    }
}
