using System.Net;
using System.Net.Sockets;

namespace OrleansRepl.TestKit;

/// <summary>Two connected TCP sockets on 127.0.0.1, on a port the OS picked; both closed on dispose.</summary>
public sealed class LoopbackPair : IDisposable
{
    private LoopbackPair(Socket server, Socket client)
    {
        Server = server;
        Client = client;
    }

    public Socket Server { get; }

    public Socket Client { get; }

    public static async Task<LoopbackPair> ConnectAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accepting = listener.AcceptSocketAsync();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        return new LoopbackPair(await accepting, client);
    }

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
    }
}
