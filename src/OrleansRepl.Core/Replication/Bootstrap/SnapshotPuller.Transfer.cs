using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>Deciding where to start, receiving with checkpoints, installing and verifying.</summary>
public sealed partial class SnapshotPuller
{
    /// <summary>Applies the single-resumer policy; returns the intent to continue and the token and offset to ask for.</summary>
    private async Task<(string Intent, string Token, long Offset, string? RestartReason)> StartOrResumeAsync(SnapshotSink sink, string source, CancellationToken cancellationToken)
    {
        var replica = _credentials.NodeId;
        switch (BootstrapResume.Decide(await _intents.ListUnfinishedAsync(cancellationToken), replica))
        {
            case ResumeDecision.Resume { From.SnapshotToken: { } token } resume when resume.Intent.Source == source:
                if (await sink.TryResumeAsync(source, token, resume.From.SnapshotOffset, resume.From.SnapshotCrc32C, cancellationToken) is not { } why)
                {
                    LogResuming(_logger, resume.Intent.Intent, token, resume.From.SnapshotOffset);
                    return (resume.Intent.Intent, token, resume.From.SnapshotOffset, null);
                }

                return (resume.Intent.Intent, "", 0, $"cannot resume {token}: {why}");

            case ResumeDecision.Resume resume:
                // Checkpointed before any snapshot bytes were durable, or begun against another source.
                var reason = resume.Intent.Source == source ? "its last checkpoint holds no snapshot offset" : $"it was begun against {resume.Intent.Source}, not {source}";
                await _intents.AbortAsync(resume.Intent.Intent, $"not resumable: {reason}", cancellationToken);
                return (await _intents.BeginAsync(replica, source, cancellationToken), "", 0, $"bootstrap {resume.Intent.Intent} was not resumed: {reason}");

            case ResumeDecision.Fresh fresh:
                // This replica's own intents that cannot be resumed are closed, each with the reason, so the new
                // intent is its only unfinished one and stays resumable. Other replicas' intents are never touched.
                LogDangling(_logger, fresh.Reason);
                var fresher = await _intents.BeginAsync(replica, source, cancellationToken);
                foreach (var dangling in fresh.Dangling)
                {
                    await _intents.AbortAsync(dangling.Intent, $"superseded by {fresher}: {fresh.Reason}", cancellationToken);
                }

                return (fresher, "", 0, fresh.Reason);

            default:
                return (await _intents.BeginAsync(replica, source, cancellationToken), "", 0, null);
        }
    }

    /// <summary>
    /// Requests the snapshot and feeds the sink until the last piece, checkpointing as bytes become durable.
    /// Also returns how long the bytes took from the first piece to the last (pinning and renaming into place
    /// excluded), and how much of that was spent waiting for the source's next piece.
    /// </summary>
    private async Task<(SnapshotReceived Received, TimeSpan Transfer, TimeSpan Waiting)> ReceiveAsync(FrameConnection connection, SnapshotSink sink, string intent, string token, long offset, CancellationToken cancellationToken)
    {
        await connection.SendAsync(new SnapshotRequest(token, offset), cancellationToken);
        System.Diagnostics.Stopwatch? transfer = null;
        var waiting = TimeSpan.Zero;
        var pace = new TransferPace(_options.MinimumProgressBytes, _options.ProgressWindow, _options.AttemptDeadline);
        var sinceCheckpoint = 0L;
        var checkpoints = 0L;
        Task? checkpointing = null;
        try
        {
            while (true)
            {
                var asked = transfer?.Elapsed;
                var lease = await connection.ReadLeasedAsync(_options.RequestTimeout, "the source", cancellationToken);
                using (lease)
                {
                    waiting += transfer?.Elapsed - asked ?? TimeSpan.Zero;
                    transfer ??= System.Diagnostics.Stopwatch.StartNew();
                    if (pace.Shortfall("Bootstrap:MinimumProgressBytes", "Bootstrap:AttemptDeadline") is { } shortfall)
                    {
                        throw new TransferTooSlowException($"the snapshot transfer {shortfall}; the next attempt resumes at offset {sink.NextOffset}");
                    }

                    var envelope = ProtocolMessage.Decode<SnapshotPiece>(lease.Frame).Envelope;
                    if (envelope.Done && checkpointing is not null)
                    {
                        await checkpointing; // the last piece closes the file; no fsync may be running on it
                    }

                    if (await sink.AcceptAsync(envelope, cancellationToken) is { } received)
                    {
                        return (received, transfer.Elapsed, waiting);
                    }

                    sinceCheckpoint += envelope.Data.Length;
                    pace.Moved(envelope.Data.Length);
                }

                // Checkpoints fsync beside the transfer, one at a time; one still running when the next is due
                // simply makes the next wait for the following piece.
                if (sinceCheckpoint >= _options.CheckpointEvery && checkpointing is not { IsCompleted: false })
                {
                    if (checkpointing is not null)
                    {
                        await checkpointing; // surfaces a failed fsync or checkpoint
                    }

                    var checkpointToken = sink.CurrentToken;
                    var syncing = sink.SyncInBackground()!;
                    var number = ++checkpoints;
                    checkpointing = CheckpointAfterAsync(syncing, intent, checkpointToken, number, cancellationToken);
                    sinceCheckpoint = 0;
                }
            }
        }
        finally
        {
            if (checkpointing is not null)
            {
                await checkpointing.ContinueWith(static _ => { }, TaskScheduler.Default); // never leave an fsync running on a file that may go
            }
        }
    }

    private async Task CheckpointAfterAsync(Task<(long Offset, uint Crc)> syncing, string intent, string? token, long number, CancellationToken cancellationToken)
    {
        var (at, crc) = await syncing;
        await _intents.CheckpointAsync(intent, new BootstrapCheckpoint(token, at, crc, 0, number), cancellationToken);
    }

    /// <summary>Renames the received, verified store into place.</summary>
    private static SnapshotInfo Install(SnapshotReceived received, string storeDirectory)
    {
        LogStore.MoveInto(received.Path, Path.GetFullPath(storeDirectory));
        return received.Installed;
    }
}
