using System.Net.Sockets;
using System.Threading.Channels;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication;

/// <summary>
/// The failures that end one session with a peer but not the worker: a connection broken or refused, a protocol
/// error, a read cut short, the store refusing one batch. The worker retries after them; once it is stopping, they
/// are part of the stop.
/// </summary>
internal static class SessionFailure
{
    public static bool IsTransient(Exception e) =>
        e is ProtocolException or IOException or SocketException or OperationCanceledException or StorageException or ChannelClosedException;
}
