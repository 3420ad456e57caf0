using System.Net;
using System.Net.Sockets;

namespace OrleansRepl.Core.Protocol;

/// <summary>An authenticated connection to another node, and who that node says it is.</summary>
public static class NodeConnection
{
    /// <summary>
    /// Connects to <paramref name="peer"/> and completes the mutual handshake, each step within
    /// <paramref name="deadline"/>: a node that does not answer in that time is dead, reported as a
    /// <see cref="ConnectionClosedException"/> naming it and the step. The connection is disposed if either step fails.
    /// With <paramref name="expectedNode"/>, a server that proves the secret but is another node is refused.
    /// </summary>
    public static async Task<(FrameConnection Connection, string PeerNodeId)> OpenAsync(EndPoint peer, NodeCredentials credentials, TimeSpan deadline, int maxFrameLength, CancellationToken cancellationToken, string? expectedNode = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(deadline);
        var socket = new Socket(peer.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(peer, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ConnectionClosedException($"after {peer} did not accept the connection within {deadline.TotalSeconds:F1} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        FrameConnection? connection = null;
        try
        {
            timeout.CancelAfter(deadline);
            connection = await SecureChannel.ConnectAsync(socket, credentials.Tls, maxFrameLength, timeout.Token);
            return (connection, await Handshake.ConnectAsync(connection, credentials, timeout.Token, expectedPeer: expectedNode));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await CloseAsync(connection, socket);
            throw new ConnectionClosedException($"after {peer} did not complete the {(connection is null ? "TLS handshake" : "handshake")} within {deadline.TotalSeconds:F1} s");
        }
        catch
        {
            await CloseAsync(connection, socket);
            throw;
        }
    }

    /// <summary>Closes <paramref name="connection"/>, or <paramref name="socket"/> when no connection was made over it yet.</summary>
    internal static async ValueTask CloseAsync(FrameConnection? connection, Socket socket)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
        else
        {
            socket.Dispose();
        }
    }
}
