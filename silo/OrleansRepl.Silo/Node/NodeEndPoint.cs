using System.Globalization;
using System.Net;

namespace OrleansRepl.Silo.Node;

/// <summary>Replication addresses as the topology writes them: <c>ip:port</c> or <c>host:port</c>.</summary>
public static class NodeEndPoint
{
    public static EndPoint Parse(string address, string what)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (IPEndPoint.TryParse(address, out var ip) && ip.Port > 0)
        {
            return ip;
        }

        var colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? new DnsEndPoint(address[..colon], port)
            : throw new FormatException($"{what} \"{address}\" is not host:port");
    }
}
