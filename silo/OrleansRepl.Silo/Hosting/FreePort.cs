using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// A port nothing listens on right now at an address: for ports left at 0. It is taken from below the OS's
/// ephemeral range when that range is known, because a port from inside it can be handed to an outgoing connection
/// (to PostgreSQL, to another silo) between this probe and the bind that follows it, and the bind then fails.
/// </summary>
internal static class FreePort
{
    private const int Lowest = 10_000;

    /// <summary>
    /// Ports this process handed out already: a silo binds its ports seconds after they are chosen, so a port free at
    /// the look could be handed out twice meanwhile (tests start several clusters at once; about one run in five
    /// collided).
    /// </summary>
    private static readonly HashSet<int> Given = [];

    public static int On(IPAddress address)
    {
        if (EphemeralLow() is { } low && low - Lowest > 1000)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var port = Random.Shared.Next(Lowest, low);
                lock (Given)
                {
                    if (!Given.Contains(port) && TryBind(address, port))
                    {
                        Given.Add(port);
                        return port;
                    }
                }
            }
        }

        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static bool TryBind(IPAddress address, int port)
    {
        try
        {
            using var probe = new TcpListener(address, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The first port of Linux's ephemeral range; null elsewhere or when it cannot be read.</summary>
    private static int? EphemeralLow()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        try
        {
            return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var low) ? low : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
