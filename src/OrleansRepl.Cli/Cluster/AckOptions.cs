using System.CommandLine;

namespace OrleansRepl.Cli.Cluster;

/// <summary><c>--acks N</c> and <c>--acks-timeout SECONDS</c> of the write commands.</summary>
internal static class AckOptions
{
    public static Option<int> Acks() => new("--acks")
    {
        Description = "Followers that must hold the write before it is acknowledged (default 0: the leader's disk only).",
        DefaultValueFactory = _ => 0,
        Validators =
        {
            r =>
            {
                if (r.GetValueOrDefault<int>() is < 0 or > 64)
                {
                    r.AddError($"--acks must be 0..64, got {r.GetValueOrDefault<int>()}");
                }
            },
        },
    };

    public static Option<double?> Timeout() => new("--acks-timeout")
    {
        Description = "Seconds to wait for the followers (default: the node's Replication:KeyValue:AckTimeoutSeconds).",
        Validators =
        {
            r =>
            {
                if (r.GetValueOrDefault<double?>() is <= 0)
                {
                    r.AddError($"--acks-timeout must be positive, got {r.GetValueOrDefault<double?>()}");
                }
            },
        },
    };

    public static TimeSpan? TimeoutOf(ParseResult parse, Option<double?> timeout) =>
        parse.GetValue(timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
}
