using System.Globalization;
using OrleansRepl.Silo.Node;

namespace OrleansRepl.Silo.Data;

/// <summary>
/// How many followers must hold a write before it is acknowledged, and for how long to wait for them: from the
/// request (<c>?acks=N&amp;acks-timeout=SECONDS</c>), else the replica set's default acks and the node's
/// <see cref="KeyValueApiOptions.AckTimeoutSeconds"/>.
/// A request asking for more followers than the replica set has is refused before anything is written.
/// </summary>
internal readonly record struct WriteConcern(int Acks, TimeSpan Timeout)
{
    /// <summary>The request's concern, or why it cannot be met (null when it can).</summary>
    public static (WriteConcern Concern, string? Problem) Read(HttpContext http, LocalNode node, KeyValueApiOptions options)
    {
        var query = http.Request.Query;
        var acks = node.Topology?.DefaultAcks ?? 0;
        if (query.TryGetValue("acks", out var text) && !(int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out acks) && acks <= 64))
        {
            return (default, $"acks must be a whole number of followers, 0 to 64, got \"{text}\"");
        }

        if (!TryReadSeconds(http, "acks-timeout", options, out var seconds, out var badTimeout))
        {
            return (default, badTimeout);
        }

        var followers = Math.Max(0, (node.Topology?.Nodes.Count ?? 1) - 1);
        return acks > followers
            ? (default, $"acks={acks} asks for more followers than replica set {node.Topology?.ReplicaSet ?? "(none yet)"} has: {followers}")
            : (new WriteConcern(acks, TimeSpan.FromSeconds(seconds)), null);
    }

    /// <summary>
    /// The seconds a wait may take from the query parameter <paramref name="name"/>, else the node's default; false
    /// (with the reason) for anything but seconds above 0 and at most <see cref="KeyValueApiOptions.MaxAckTimeoutSeconds"/>.
    /// </summary>
    public static bool TryReadSeconds(HttpContext http, string name, KeyValueApiOptions options, out double seconds, out string? problem)
    {
        seconds = options.AckTimeoutSeconds;
        problem = null;
        if (http.Request.Query.TryGetValue(name, out var text)
            && !(double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds) && seconds > 0 && seconds <= options.MaxAckTimeoutSeconds))
        {
            problem = $"{name} must be seconds above 0 and at most {options.MaxAckTimeoutSeconds.ToString(CultureInfo.InvariantCulture)}, got \"{text}\"";
        }

        return problem is null;
    }
}
