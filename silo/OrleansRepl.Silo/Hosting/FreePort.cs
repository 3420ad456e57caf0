using System.Net;
using System.Net.Sockets;

namespace OrleansRepl.Silo.Hosting;

/// <summary>A port nothing listens on right now at an address (the OS picks it): for ports left at 0.</summary>
internal static class FreePort
{
    public static int On(IPAddress address)
    {
        using var probe = new TcpListener(address, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
