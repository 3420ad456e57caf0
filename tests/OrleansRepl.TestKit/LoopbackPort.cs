using System.Net;
using System.Net.Sockets;

namespace OrleansRepl.TestKit;

/// <summary>A loopback TCP port that was free a moment ago, for servers that must be told their port up front.</summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
