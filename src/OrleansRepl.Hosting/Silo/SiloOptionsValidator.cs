using Microsoft.Extensions.Options;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Hosting.Silo;

/// <summary>Checks every silo setting at start-up; each failure names its configuration key and the reason.</summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        void Check(bool ok, string key, string reason)
        {
            if (!ok)
            {
                problems.Add($"{SiloOptions.Section}:{key} {reason}");
            }
        }

        Check(IsSafe(options.NodeId), nameof(options.NodeId), $"must be 1-128 characters of [A-Za-z0-9._-] without '..', got \"{options.NodeId}\"");
        Check(options.SiloId.Length == 0 || IsSafe(options.SiloId), nameof(options.SiloId), $"must be empty or 1-128 characters of [A-Za-z0-9._-], got \"{options.SiloId}\"");
        Check(options.GatewayPort is >= 0 and <= 65535, nameof(options.GatewayPort), $"must be 0-65535, got {options.GatewayPort}");
        Check(options.ReplicationPort is >= 0 and <= 65535, nameof(options.ReplicationPort), $"must be 0-65535, got {options.ReplicationPort}");
        Check(options.GatewayTokenFile.Length == 0 || File.Exists(options.GatewayTokenFile), nameof(options.GatewayTokenFile), $"names no file: {options.GatewayTokenFile}");
        Check(options.GatewayTokenFile.Length > 0 || options.GatewayToken.Length >= 16, nameof(options.GatewayToken), "must be at least 16 characters (or set Silo:GatewayTokenFile)");
        Check(options.Storage is "sqlite" or "postgres", nameof(options.Storage), $"must be \"sqlite\" or \"postgres\", got \"{options.Storage}\"");
        Check(options.Storage != "sqlite" || options.SqlitePath.Length > 0, nameof(options.SqlitePath), "must name the SQLite file");
        Check(options.Storage != "postgres" || options.PostgresConnectionString.Length > 0, nameof(options.PostgresConnectionString), "must be set when Silo:Storage is \"postgres\"");
        Check(options.HomeNode.Length == 0 || IsSafe(options.HomeNode), nameof(options.HomeNode), $"must be empty or a node id, got \"{options.HomeNode}\"");
        Check(options.IdleAgeSeconds > 0, nameof(options.IdleAgeSeconds), $"must be positive, got {options.IdleAgeSeconds}");
        Check(options.HeartbeatIntervalSeconds > 0, nameof(options.HeartbeatIntervalSeconds), $"must be positive, got {options.HeartbeatIntervalSeconds}");
        Check(options.DeadAfterSeconds >= 2 * options.HeartbeatIntervalSeconds, nameof(options.DeadAfterSeconds), $"must be at least two heartbeats ({2 * options.HeartbeatIntervalSeconds} s), got {options.DeadAfterSeconds}");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static bool IsSafe(string value)
    {
        try
        {
            SafeName.Check(value, "id");
            return true;
        }
        catch (Core.Storage.StorageException)
        {
            return false;
        }
    }
}
