using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Merkle;

namespace OrleansRepl.Core.Replication.AntiEntropy;

/// <summary>One cycle: probe, descend where the trees differ (checking the peer's answers form a tree), fetch and import, saving the cursor as it goes.</summary>
public sealed partial class AntiEntropyLoop
{
    /// <summary>Requests sent before their answers are read, so neither side's socket buffer can fill up and stall both.</summary>
    private const int RequestWindow = 64;

    /// <summary>Runs one cycle against the peer and reports it. Throws if the peer cannot be reached or breaks the protocol.</summary>
    public async Task<AntiEntropyReport> RunOnceAsync(CancellationToken cancellationToken)
    {
        var (connection, peer) = await NodeConnection.OpenAsync(_peer, _credentials, _options.RequestTimeout, _options.MaxFrameLength, cancellationToken, ExpectedPeer);
        await using var _ = connection;
        SafeName.Check(peer, "peer node id");
        var session = new PullSession(connection, _options);
        PeerCursor? loaded;
        try
        {
            loaded = await _cursors.LoadAsync(peer, cancellationToken);
        }
        catch (InvalidDataException e)
        {
            // The cursor holds progress, not data: the descent finds anything still missing. Start afresh, loudly.
            LogCursorDamaged(_logger, peer, e.Message);
            loaded = null;
        }

        var cursor = (loaded ?? PeerCursor.Empty) with { LastAttempt = DateTimeOffset.UtcNow };
        await _cursors.SaveAsync(peer, cursor, cancellationToken);

        var local = _store.SegmentTree();
        await session.SendAsync(default(RootRequest), cancellationToken);
        var peerRoot = await session.ReadAsync<Root>(cancellationToken);
        session.RoundTrips++;
        PeerTreeCheck.Root(peerRoot, _options.MaxPeerSegments);

        // Resume what a previous cycle found and did not finish, then add what the trees say now.
        var resumed = cursor.SegmentsPending.Count;
        var missing = new List<Blake3Hash>(cursor.SegmentsPending);
        if (peerRoot.Hash != local.Root)
        {
            missing.AddRange(await DescendAsync(session, local, peerRoot, cancellationToken));
        }

        var pending = missing.Distinct().ToList();
        cursor = cursor with { SegmentsPending = pending };
        await _cursors.SaveAsync(peer, cursor, cancellationToken);

        // The cursor is progress, not data: it is written at most every CursorSaveInterval while segments are pulled,
        // and when the pull ends or fails. A cursor lost meanwhile costs a re-pull, which the store skips as held.
        var (applied, alreadyHeld, appliedTotal) = (0, 0, cursor.SegmentsAppliedTotal);
        var failed = new List<Blake3Hash>();
        var next = 0;
        PeerCursor Progress(int done) => cursor with { SegmentsPending = [.. failed, .. pending.Skip(done)], SegmentsAppliedTotal = appliedTotal };
        var saved = TimeProvider.System.GetTimestamp();
        try
        {
            for (; next < pending.Count; next++)
            {
                var outcome = await PullSegmentAsync(session, pending[next], cancellationToken);
                applied += outcome is SegmentImportResult.Applied ? 1 : 0;
                appliedTotal += outcome is SegmentImportResult.Applied ? 1 : 0;
                alreadyHeld += outcome is SegmentImportResult.Skipped ? 1 : 0;
                if (outcome is not (SegmentImportResult.Applied or SegmentImportResult.Skipped or null))
                {
                    failed.Add(pending[next]); // refused or damaged: stays pending for the next cycle
                }

                if (TimeProvider.System.GetElapsedTime(saved) >= _options.CursorSaveInterval)
                {
                    await _cursors.SaveAsync(peer, Progress(next + 1), cancellationToken);
                    saved = TimeProvider.System.GetTimestamp();
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && EndsACycle(e))
        {
            await SaveQuietlyAsync(peer, Progress(next), cancellationToken); // keep what was pulled before the failure
            throw;
        }

        cursor = Progress(pending.Count) with { LastKnownPeerRoot = peerRoot.Hash };
        await _cursors.SaveAsync(peer, cursor, cancellationToken);
        var report = new AntiEntropyReport(peer, peerRoot.Hash, local.Root, _store.SegmentTree().Root, resumed, missing.Count - resumed, applied, alreadyHeld, failed.Count, session.MetadataBytes, session.SegmentBytes, session.RoundTrips);
        LogCycle(_logger, peer, report.Missing, report.Applied, report.Pending, report.MetadataBytes, report.RoundTrips);
        return report;
    }

    /// <summary>
    /// Walks the peer's tree a level at a time, expanding only the nodes whose hash differs from this store's:
    /// a node covering few segments is listed, a single-segment node is its own hash. Returns the peer's
    /// segments this store does not hold.
    /// </summary>
    private async Task<List<Blake3Hash>> DescendAsync(PullSession session, SegmentSetTree local, Root peerRoot, CancellationToken cancellationToken)
    {
        var held = local.HashesUnder(0, []).ToHashSet();
        var missing = new List<Blake3Hash>();
        var level = new List<(TreePath Path, int PeerCount)> { (TreePath.Root, peerRoot.SegmentCount) };
        while (level.Count > 0)
        {
            var next = new List<(TreePath Path, int PeerCount)>();
            foreach (var window in level.Chunk(RequestWindow))
            {
                foreach (var (path, count) in window)
                {
                    if (Listed(path, count))
                    {
                        await session.SendAsync(new ListRequest(path), cancellationToken);
                    }
                    else
                    {
                        await session.SendAsync(new ChildrenRequest(path), cancellationToken);
                    }
                }

                foreach (var (path, count) in window)
                {
                    if (Listed(path, count))
                    {
                        var listed = (await session.ReadAsync<SegmentList>(cancellationToken)).Hashes;
                        PeerTreeCheck.List(path, count, listed);
                        missing.AddRange(listed.Where(h => !held.Contains(h)));
                        continue;
                    }

                    var theirs = (await session.ReadAsync<Children>(cancellationToken)).Nodes;
                    PeerTreeCheck.Children(path, count, theirs);
                    var mine = local.ChildNodes(path.Depth, path.Digits.Span);
                    for (var digit = 0; digit < SegmentSetTree.Fanout; digit++)
                    {
                        var child = theirs[digit];
                        if (child.Count == 0 || child.Hash == mine[digit].Hash)
                        {
                            continue;
                        }

                        if (child.Count == 1)
                        {
                            if (!held.Contains(child.Hash))
                            {
                                missing.Add(child.Hash); // a one-segment node's hash is the segment's
                            }

                            continue;
                        }

                        next.Add((path.Child(digit), child.Count));
                    }
                }

                session.RoundTrips++;
            }

            level = next;
        }

        return missing;
    }

    /// <summary>Saves progress while a failure is on its way out: a failed save is logged, not thrown over the failure.</summary>
    private async Task SaveQuietlyAsync(string peer, PeerCursor cursor, CancellationToken cancellationToken)
    {
        try
        {
            await _cursors.SaveAsync(peer, cursor, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCursorSaveFailed(_logger, peer, e.Message);
        }
    }

    private bool Listed(TreePath path, int peerCount) => peerCount <= _options.ListThreshold || path.Depth == SegmentSetTree.MaxDepth - 1;

    /// <summary>Fetches one segment and imports it; null when the peer no longer holds it.</summary>
    private async Task<SegmentImportResult?> PullSegmentAsync(PullSession session, Blake3Hash hash, CancellationToken cancellationToken)
    {
        await session.SendAsync(new SegmentRequest(hash), cancellationToken);
        var bytes = await ReceiveSegmentAsync(session, hash, cancellationToken);
        session.RoundTrips++;
        if (bytes is null)
        {
            LogSegmentGone(_logger, hash);
            return null;
        }

        var result = await _store.ImportSegmentAsync(bytes, hash, cancellationToken);
        switch (result)
        {
            case SegmentImportResult.Applied applied:
                LogApplied(_logger, hash, applied.Shard, applied.Written, applied.Shadowed);
                await UploadAsync(hash, bytes, cancellationToken);
                break;
            case SegmentImportResult.HashMismatch mismatch:
                LogMismatch(_logger, hash, mismatch.Actual);
                break;
            case SegmentImportResult.Rejected rejected:
                LogRejected(_logger, hash, _peer, rejected.Reason);
                break;
        }

        return result;
    }

    /// <summary>Reassembles a segment from its pieces, refusing a declared length over the limit before allocating.</summary>
    private async Task<byte[]?> ReceiveSegmentAsync(PullSession session, Blake3Hash hash, CancellationToken cancellationToken)
    {
        byte[]? bytes = null;
        var received = 0L;
        while (true)
        {
            using var lease = await session.ReadLeasedAsync(cancellationToken);
            if (lease.Frame.Type == MessageType.SegmentNotFound && bytes is null)
            {
                return ProtocolMessage.Decode<SegmentNotFound>(lease.Frame).Hash == hash
                    ? null
                    : throw new MalformedMessageException($"SegmentNotFound: names another segment than {hash}");
            }

            var chunk = ProtocolMessage.Decode<SegmentChunk>(lease.Frame);
            if (chunk.Hash != hash || chunk.Offset != received || (bytes is not null && chunk.TotalLength != bytes.Length))
            {
                throw new MalformedMessageException($"SegmentChunk: expected {hash} at offset {received}, got {chunk.Hash} at offset {chunk.Offset} of {chunk.TotalLength} bytes");
            }

            if (chunk.TotalLength > MaxSegmentBytes)
            {
                throw new MalformedMessageException($"SegmentChunk: segment {hash} declares {chunk.TotalLength} bytes, more than the {MaxSegmentBytes} this store takes (its roll size {_store.Options.SegmentRollBytes} and one record, within MaxSegmentBytes {_options.MaxSegmentBytes})");
            }

            bytes ??= GC.AllocateUninitializedArray<byte>((int)chunk.TotalLength);
            chunk.Data.Span.CopyTo(bytes.AsSpan((int)received));
            received += chunk.Data.Length;
            session.CountSegmentBytes(chunk.Data.Length);
            if (chunk.Last)
            {
                return bytes;
            }
        }
    }

    private async Task UploadAsync(Blake3Hash hash, byte[] bytes, CancellationToken cancellationToken)
    {
        if (_uploader is null)
        {
            return;
        }

        try
        {
            await _uploader.UploadAsync(hash, bytes, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUploadFailed(_logger, hash, e.Message); // the segment is applied here; the copy elsewhere can wait
        }
    }
}
