using System.Text.Json;

namespace OrleansRepl.Client;

/// <summary>Where and how a client calls grains.</summary>
public sealed record GrainClientOptions
{
    /// <summary>Gateways to try, in order; a call moves on to the next when one cannot be reached.</summary>
    public required IReadOnlyList<Uri> Gateways { get; init; }

    /// <summary>The bearer token every gateway requires.</summary>
    public required string Token { get; init; }

    /// <summary>Attempts per call across gateways before the call fails.</summary>
    public int MaxAttempts { get; init; } = 4;

    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public JsonSerializerOptions Json { get; init; } = new(JsonSerializerDefaults.Web);

    /// <summary>Set by a silo forwarding calls to another node: the receiving silo serves them or refuses, never forwards.</summary>
    public bool Forwarding { get; init; }

    public void ThrowIfInvalid()
    {
        var problems = new List<string>();
        if (Gateways.Count == 0)
        {
            problems.Add("at least one gateway is needed");
        }

        if (string.IsNullOrEmpty(Token))
        {
            problems.Add("Token is empty");
        }

        if (MaxAttempts < 1)
        {
            problems.Add($"MaxAttempts must be at least 1, got {MaxAttempts}");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException($"invalid grain client options: {string.Join("; ", problems)}");
        }
    }
}
