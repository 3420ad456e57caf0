namespace OrleansRepl.Core.Protocol;

/// <summary>
/// A connection broke the protocol or could not be trusted. The connection is closed; nothing carried by
/// the offending frame was applied. Each subtype is one meaning.
/// </summary>
public abstract class ProtocolException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>A length prefix above the limit; rejected before any buffer for it was allocated.</summary>
public sealed class FrameTooLargeException(long length, int limit)
    : ProtocolException($"frame of {length} bytes exceeds the {limit}-byte limit");

/// <summary>A frame whose CRC-32C does not match its type and payload.</summary>
public sealed class FrameChecksumException(MessageType type, uint declared, uint computed)
    : ProtocolException($"frame of type {type} fails its checksum: declared {declared:x8}, computed {computed:x8}");

/// <summary>A payload that does not decode: names the message, the field, and the bytes needed against those present.</summary>
public sealed class MalformedMessageException(string message) : ProtocolException(message);

/// <summary>A valid frame that has no place in the connection's current state.</summary>
public sealed class UnexpectedMessageException(MessageType received, string expected)
    : ProtocolException($"unexpected {received} frame; expected {expected}");

/// <summary>The peer runs another protocol version, or belongs to another cluster, or failed to prove the shared secret.</summary>
public sealed class HandshakeRejectedException(string reason) : ProtocolException(reason);

/// <summary>The peer sent an Error frame and closed; <see cref="Exception.Message"/> is its reason.</summary>
public sealed class RemoteErrorException(ErrorCode code, string reason)
    : ProtocolException($"peer reported {code}: {reason}")
{
    public ErrorCode Code { get; } = code;
}

/// <summary>The connection ended where a frame was expected.</summary>
public sealed class ConnectionClosedException(string when) : ProtocolException($"connection closed {when}");

/// <summary>Why a side sent an Error frame.</summary>
public enum ErrorCode : ushort
{
    Protocol = 1,
    Version = 2,
    Authentication = 3,
    Cluster = 4,
    Shard = 5,
    Epoch = 6,
    Internal = 7,

    /// <summary>The snapshot token is unknown or expired at the source: start again from offset 0.</summary>
    SnapshotExpired = 8,
}

/// <summary>
/// The TLS handshake failed: the peer's certificate does not chain to the cluster's CA, it presented none, or it does
/// not speak TLS at all (a peer with <c>Tls:Plaintext</c> set while this side has TLS on, or the other way round).
/// </summary>
public sealed class TlsHandshakeException(string message, Exception? inner = null) : ProtocolException(message, inner);
