using System.Buffers;
using OrleansRepl.Core.Storage.Index;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage;

/// <summary>The follower side: applying a leader's records verbatim, and rolling back a diverged tail.</summary>
internal sealed partial class Shard
{
    /// <summary>
    /// Appends a leader's chunk verbatim: its bytes go to the log as they are, with their LSNs, versions,
    /// flags and seals, so this shard's segments match the leader's. <paramref name="records"/> locates each
    /// record in the chunk and was checked by the store. Records below the next LSN were applied before and
    /// are skipped; a chunk that starts past the next LSN fails before anything is appended. Returns the
    /// ticket to commit (0 when nothing was new).
    /// </summary>
    public long AppendReplicated(in LogChunk chunk, ReadOnlySpan<PendingRecord> records)
    {
        lock (_appendGate)
        {
            ThrowIfFailed();
            if (chunk.FirstLsn > _nextLsn)
            {
                throw new ReplicationGapException(Id, _nextLsn, chunk.FirstLsn);
            }

            if (chunk.LastLsn < _nextLsn)
            {
                return 0; // applied already: idempotent by LSN
            }

            var fresh = records[(int)(_nextLsn - chunk.FirstLsn)..];
            var from = fresh[0].Offset;
            var shift = _pending.Bytes.WrittenCount - from;
            _pending.Bytes.Write(chunk.Bytes.Span[from..]);
            foreach (var record in fresh)
            {
                _clock.Observe(record.Version.Timestamp);
                NoteAppendedLocked(record with { Offset = record.Offset + shift });
            }

            _pending.LastTicket = ++_appendedTicket;
            return _appendedTicket;
        }
    }

    /// <summary>
    /// Removes every record after <paramref name="lsn"/>. Only the active segment can be cut: a rollback
    /// into a sealed segment throws <see cref="RollbackCrossesSealedSegmentException"/> and changes nothing.
    /// Returns how many records were removed.
    /// </summary>
    public async ValueTask<long> RollbackToAsync(long lsn, CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            if (!_pending.IsEmpty)
            {
                FlushPending();
            }

            lock (_appendGate)
            {
                if (lsn >= _nextLsn - 1)
                {
                    return 0;
                }

                if (lsn < _activeFirstLsn - 1)
                {
                    var cut = Volatile.Read(ref _manifest).Segments.Last(s => !s.Imported && s.LastLsn > lsn);
                    throw new RollbackCrossesSealedSegmentException(Id, lsn, cut.Hash, cut.FirstLsn, cut.LastLsn);
                }

                var image = ReadActive();
                var keep = 0L;
                var kept = 0L;
                SegmentScanner.Scan(image, _options.MaxBodyBytes, (in LogRecord record, long offset, int length) =>
                {
                    if (record.Lsn <= lsn)
                    {
                        keep = offset + length;
                        kept++;
                    }
                });

                var removed = _nextLsn - 1 - lsn;
                RandomAccess.SetLength(_activeHandle, keep);
                RandomAccess.FlushToDisk(_activeHandle);
                _activeHasher.Reset();
                _activeHasher.Update(image.AsSpan(0, (int)keep));
                _activeLength = keep;
                _activeRecords = kept;
                _nextLsn = lsn + 1;
                _bytesTowardRoll = keep;
                Slot(_activeSlot).ForgetAfter(lsn);
                RebuildIndex();
                PublishTail(_nextLsn);
                return removed;
            }
        }
        finally
        {
            _flushGate.Release();
        }
    }

    /// <summary>
    /// Re-derives the index from every segment after a rollback. A removed record may have shadowed an
    /// older version of its key anywhere in the log, so nothing short of a rescan restores the winner.
    /// </summary>
    private void RebuildIndex()
    {
        List<SegmentSlot> slots;
        lock (_slotsGate)
        {
            slots = [.. _slots];
        }

        lock (_indexGate)
        {
            _index.Clear();
            for (var slot = 0; slot < slots.Count; slot++)
            {
                var limit = slot == _activeSlot ? _activeLength : RandomAccess.GetLength(slots[slot].Reader);
                if (!File.Exists(slots[slot].Path) || limit == 0)
                {
                    continue;
                }

                var image = new byte[limit];
                RandomAccess.Read(slots[slot].Reader, image, 0);
                var current = slot;
                SegmentScanner.Scan(image, _options.MaxBodyBytes, (in LogRecord record, long offset, int length) =>
                {
                    if (record.Kind != RecordKind.Seal)
                    {
                        _index.Apply(record.Key.Span, new IndexEntry(record.Version, current, offset, length, record.IsTombstone));
                    }
                });
            }
        }
    }
}
