using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>
/// The pulling side of one anti-entropy connection: requests out, answers in order, each answer within the
/// request timeout and the whole cycle at its pace (<see cref="TransferPace"/>); counts round trips and the segment
/// bytes received, so the rest of what crossed the connection since the session began (the handshake is not
/// counted) is the metadata cost.
/// </summary>
internal sealed class PullSession(FrameConnection connection, AntiEntropyOptions options)
{
    private readonly TransferPace _pace = new(options.MinimumProgressBytes, options.ProgressWindow, options.CycleDeadline);

    // Sent bytes as queued, not as written: the write loop may count the handshake's Hello only after the
    // session began, which charged a whole Hello to a cycle's metadata on a busy machine.
    private readonly long _bytesBefore = connection.BytesQueued + connection.BytesReceived;

    public int RoundTrips { get; set; }

    public long SegmentBytes { get; private set; }

    public long MetadataBytes => connection.BytesQueued + connection.BytesReceived - _bytesBefore - SegmentBytes;

    public ValueTask SendAsync<T>(T request, CancellationToken cancellationToken)
        where T : struct, IProtocolMessage<T> =>
        connection.SendAsync(request, cancellationToken);

    public async ValueTask<T> ReadAsync<T>(CancellationToken cancellationToken)
        where T : struct, IProtocolMessage<T>
    {
        using var lease = await ReadLeasedAsync(cancellationToken);
        return ProtocolMessage.Decode<T>(lease.Frame);
    }

    /// <summary>The next answer, leased: segment pieces are copied out before the lease is returned.</summary>
    public async ValueTask<FrameLease> ReadLeasedAsync(CancellationToken cancellationToken)
    {
        var lease = await connection.ReadLeasedAsync(options.RequestTimeout, "the peer", cancellationToken);
        _pace.Moved(lease.Frame.Payload.Length);
        if (_pace.Shortfall("AntiEntropy:MinimumProgressBytes", "AntiEntropy:CycleDeadline") is { } shortfall)
        {
            lease.Dispose();
            throw new TransferTooSlowException($"the anti-entropy cycle {shortfall}; the next cycle resumes what is still pending");
        }

        return lease;
    }

    public void CountSegmentBytes(int bytes) => SegmentBytes += bytes;
}
