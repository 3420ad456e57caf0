namespace OrleansRepl.Core.Protocol.Messages;

/// <summary>Server → client, first frame: the server's protocol version and a fresh nonce to prove the secret against.</summary>
public readonly record struct Challenge(ushort ProtocolVersion, ReadOnlyMemory<byte> ServerNonce) : IProtocolMessage<Challenge>
{
    public const int NonceSize = 32;

    public static MessageType Type => MessageType.Challenge;

    public void Write(PayloadWriter writer) => writer.UInt16(ProtocolVersion).Fixed(ServerNonce.Span);

    public static Challenge Read(ref PayloadReader reader) => new(reader.UInt16("protocol version"), reader.Fixed("server nonce", NonceSize));
}

/// <summary>
/// Client → server, the client's first frame: its protocol version, cluster and node, a nonce of its own,
/// and HMAC-SHA256 proof of the cluster secret over the server's nonce.
/// </summary>
public readonly record struct Hello(ushort ProtocolVersion, string ClusterId, string NodeId, ReadOnlyMemory<byte> ClientNonce, ReadOnlyMemory<byte> Proof) : IProtocolMessage<Hello>
{
    public static MessageType Type => MessageType.Hello;

    public void Write(PayloadWriter writer) =>
        writer.UInt16(ProtocolVersion).Text(ClusterId).Text(NodeId).Fixed(ClientNonce.Span).Fixed(Proof.Span);

    public static Hello Read(ref PayloadReader reader) => new(
        reader.UInt16("protocol version"),
        reader.Text("cluster id"),
        reader.Text("node id"),
        reader.Fixed("client nonce", Challenge.NonceSize),
        reader.Fixed("proof", ClusterSecret.ProofSize));
}

/// <summary>Server → client: accepted, with the server's node and its own proof of the secret over the client's nonce.</summary>
public readonly record struct Welcome(string NodeId, ReadOnlyMemory<byte> Proof) : IProtocolMessage<Welcome>
{
    public static MessageType Type => MessageType.Welcome;

    public void Write(PayloadWriter writer) => writer.Text(NodeId).Fixed(Proof.Span);

    public static Welcome Read(ref PayloadReader reader) => new(reader.Text("node id"), reader.Fixed("proof", ClusterSecret.ProofSize));
}

/// <summary>Either side: why the connection is being closed. Nothing from the offending frame was applied.</summary>
public readonly record struct ErrorMessage(ErrorCode Code, string Reason) : IProtocolMessage<ErrorMessage>
{
    public static MessageType Type => MessageType.Error;

    public void Write(PayloadWriter writer) => writer.UInt16((ushort)Code).Text(Reason.Length > 4000 ? Reason[..4000] : Reason);

    public static ErrorMessage Read(ref PayloadReader reader) => new((ErrorCode)reader.UInt16("code"), reader.Text("reason"));
}
