using System.Net;
using Microsoft.Extensions.Options;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Silo.Hosting;

/// <summary>Checks every "Silo" setting at start-up; each failure names its configuration key and the reason.</summary>
public sealed class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        void Check(bool ok, string key, string reason)
        {
            if (!ok)
            {
                problems.Add($"{SiloHostOptions.Section}:{key} {reason}");
            }
        }

        Check(IsSafe(options.NodeId), nameof(options.NodeId), $"must be 1-128 characters of [A-Za-z0-9._-] without '..', got \"{options.NodeId}\"");
        Check(IPAddress.TryParse(options.Host, out _), nameof(options.Host), $"must be an IP address, got \"{options.Host}\"");
        foreach (var (key, port) in new[] { (nameof(options.SiloPort), options.SiloPort), (nameof(options.SiloListenPort), options.SiloListenPort), (nameof(options.GatewayPort), options.GatewayPort), (nameof(options.HttpPort), options.HttpPort), (nameof(options.ReplicationPort), options.ReplicationPort) })
        {
            Check(port is >= 0 and <= 65535, key, $"must be 0-65535, got {port}");
        }

        Check(options.SiloListenPort == 0 || options.SiloPort != 0, nameof(options.SiloListenPort), $"needs Silo:SiloPort set too: it is the port the others reach this silo at, forwarded to {options.SiloListenPort}");
        Check(options.ReplicationPort != 0, nameof(options.ReplicationPort), "must be set: the topology names every node's feeder by it");
        Check(options.TokenFile.Length == 0 || File.Exists(options.TokenFile), nameof(options.TokenFile), $"names no file: {options.TokenFile}");
        if (options.TokenFile.Length > 0 && File.Exists(options.TokenFile))
        {
            try
            {
                SecretFile.Read(options.TokenFile, "API token");
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{SiloHostOptions.Section}:{nameof(options.TokenFile)}: {e.Message}");
            }
        }

        Check(options.TokenFile.Length > 0 || SecretFile.IsStrong(System.Text.Encoding.UTF8.GetBytes(options.Token)), nameof(options.Token),
            $"must be at least {SecretFile.MinimumBytes} bytes with {SecretFile.MinimumEntropyBits:F0} bits of entropy (or set Silo:TokenFile, which keeps it off the command line)");
        Check(options.DashboardSampleSeconds is >= 1 and <= 600, nameof(options.DashboardSampleSeconds), $"must be 1..600, got {options.DashboardSampleSeconds}");
        Check(options.DashboardUser.Length > 0 && !options.DashboardUser.Contains(':', StringComparison.Ordinal), nameof(options.DashboardUser), $"must be a non-empty name without ':', got \"{options.DashboardUser}\"");
        Check(options.Storage is "sqlite" or "postgres", nameof(options.Storage), $"must be \"sqlite\" or \"postgres\", got \"{options.Storage}\"");
        Check(options.Storage != "sqlite" || options.SqlitePath.Length > 0, nameof(options.SqlitePath), "must name the SQLite file the machine's silos share");
        Check(options.Storage != "postgres" || options.PostgresConnectionString.Length > 0, nameof(options.PostgresConnectionString), "must be set when Silo:Storage is \"postgres\"");
        Check(options.ShutdownSeconds is >= 1 and <= 300, nameof(options.ShutdownSeconds), $"must be between 1 and 300, got {options.ShutdownSeconds}");
        Check(options.ProbeTimeoutSeconds is >= 0.5 and <= 60, nameof(options.ProbeTimeoutSeconds), $"must be between 0.5 and 60, got {options.ProbeTimeoutSeconds}");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static bool IsSafe(string value)
    {
        try
        {
            SafeName.Check(value, "id");
            return true;
        }
        catch (StorageException)
        {
            return false;
        }
    }
}
