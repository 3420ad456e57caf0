using System.Globalization;

namespace OrleansRepl.Core.Replication.Streaming.Feeder;

/// <summary>
/// How many connections a process can hold without running out of file descriptors. A process at its limit fails
/// more than accepts: the runtime opens files to load code and pipes to start threads, and aborts when it cannot.
/// So the feeder keeps <see cref="Reserve"/> descriptors beyond those open when it starts, and serves at most the rest.
/// </summary>
internal static class DescriptorBudget
{
    /// <summary>The soft limit on open files (<c>ulimit -n</c>) and the descriptors open now; null where the system does not say (not Linux, or no limit).</summary>
    public static (long Limit, int Open)? Read()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var fields = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields is not { Length: > 0 } || !long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
            {
                return null; // "unlimited", or a form this does not know
            }

            return (limit, Directory.GetFiles("/proc/self/fd").Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Descriptors left for the store, the runtime and whatever the process loads later: an eighth of the limit, and at least 64.</summary>
    public static long Reserve(long limit) => Math.Max(64, limit / 8);

    /// <summary>The connections that fit under <paramref name="limit"/> with <paramref name="open"/> already open and the reserve kept; at least 1.</summary>
    public static int Connections(long limit, int open) => (int)Math.Clamp(limit - open - Reserve(limit), 1, int.MaxValue);
}
