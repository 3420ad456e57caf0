using System.Net;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;

namespace OrleansRepl.Core.Replication.Streaming;

/// <summary>A follower's connection to a leader's feeder: connect within the liveness deadline, then authenticate.</summary>
public static class LeaderConnection
{
    /// <summary>
    /// Connects and completes the handshake, each within <see cref="StreamingOptions.DeadAfter"/>: a leader
    /// that does not answer in that time is dead. The connection is disposed if either step fails. With
    /// <paramref name="expectedLeader"/>, a node with another id at that address is refused at the handshake.
    /// </summary>
    public static async Task<FrameConnection> OpenAsync(EndPoint leader, NodeCredentials credentials, StreamingOptions options, CancellationToken cancellationToken, string? expectedLeader = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (await NodeConnection.OpenAsync(leader, credentials, options.DeadAfter, options.MaxFrameLength, cancellationToken, expectedLeader)).Connection;
    }

    /// <summary>
    /// Asks the leader how it holds <paramref name="shard"/> (its shard count above all) without streaming:
    /// what a new follower needs before it creates its store.
    /// </summary>
    public static async Task<ShardInfo> ProbeAsync(EndPoint leader, NodeCredentials credentials, StreamingOptions options, int shard, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(leader, credentials, options, cancellationToken);
        await connection.SendAsync(new SyncRequest(shard, Handshake.ProtocolVersion, SyncFlags.InfoOnly, Epoch: 0, ShardCount: 0), cancellationToken);
        return await connection.ReadAsync<ShardInfo>(cancellationToken);
    }
}
