using System.Buffers;

namespace OrleansRepl.Core.Protocol.Messages;

/// <summary>A message with a fixed frame type that writes and reads its own payload.</summary>
public interface IProtocolMessage<TSelf>
    where TSelf : struct, IProtocolMessage<TSelf>
{
    static abstract MessageType Type { get; }

    void Write(PayloadWriter writer);

    static abstract TSelf Read(ref PayloadReader reader);
}

/// <summary>Encoding and decoding of any <see cref="IProtocolMessage{TSelf}"/>.</summary>
public static class ProtocolMessage
{
    public static byte[] Encode<T>(in T message)
        where T : struct, IProtocolMessage<T>
    {
        var payload = new ArrayBufferWriter<byte>(256);
        message.Write(new PayloadWriter(payload));
        return payload.WrittenSpan.ToArray();
    }

    /// <summary>Decodes <paramref name="frame"/> as a <typeparamref name="T"/>; an Error frame becomes <see cref="RemoteErrorException"/>.</summary>
    public static T Decode<T>(in Frame frame)
        where T : struct, IProtocolMessage<T>
    {
        if (frame.Type != T.Type)
        {
            if (frame.Type == MessageType.Error && T.Type != MessageType.Error)
            {
                var error = Decode<ErrorMessage>(frame);
                throw new RemoteErrorException(error.Code, error.Reason);
            }

            throw new UnexpectedMessageException(frame.Type, T.Type.ToString());
        }

        var reader = new PayloadReader(frame.Type, frame.Payload);
        var message = T.Read(ref reader);
        reader.End();
        return message;
    }
}
