using System.Globalization;

namespace OrleansRepl.TestKit;

/// <summary>
/// Which process holds which end of a loopback TCP connection, read from Linux's <c>/proc</c>: the local ports of
/// the TCP sockets a process has open. A proxy that sees only <c>127.0.0.1:port</c> can tell by it whose a connection is.
/// </summary>
public static class ProcessSockets
{
    /// <summary>The local ports of the TCP sockets (IPv4 and IPv6) process <paramref name="pid"/> has open; empty once it has ended.</summary>
    public static IReadOnlySet<int> TcpPortsOf(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var descriptor in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                // "socket:[12345]"; a descriptor closed while it is listed has no target.
                if (new FileInfo(descriptor).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
        }
        catch (Exception e) when (e is DirectoryNotFoundException or IOException or UnauthorizedAccessException)
        {
            return new HashSet<int>(); // the process ended
        }

        var ports = new HashSet<int>();
        foreach (var table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && inodes.Contains(fields[9]))
                {
                    var local = fields[1];
                    ports.Add(int.Parse(local.AsSpan(local.LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        return ports;
    }
}
