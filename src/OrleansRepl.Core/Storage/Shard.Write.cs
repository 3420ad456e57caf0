using OrleansRepl.Core.Storage.Index;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage;

/// <summary>Appending, group commit and the flush leader.</summary>
internal sealed partial class Shard
{
    /// <summary>
    /// Appends the operations as one run of consecutive LSNs and returns the ticket to commit. Inputs
    /// were validated by the store, so nothing here fails half-way.
    /// </summary>
    public long Append(IReadOnlyList<WriteOperation> operations, ulong origin)
    {
        lock (_appendGate)
        {
            ThrowIfFailed();
            foreach (var operation in operations)
            {
                var version = new RecordVersion(_clock.Next(), origin);
                var record = operation.IsDelete
                    ? LogRecord.Delete(_nextLsn, version, operation.Key)
                    : LogRecord.Put(_nextLsn, version, operation.Key, operation.Value);
                AppendLocked(record);
                if (_bytesTowardRoll >= _options.SegmentRollBytes)
                {
                    AppendLocked(LogRecord.Seal(_nextLsn, new RecordVersion(_clock.Next(), origin)));
                }
            }

            _pending.LastTicket = ++_appendedTicket;
            return _appendedTicket;
        }
    }

    /// <summary>Appends a seal of the active segment, unless it is empty; returns the ticket to commit.</summary>
    public long AppendSeal(ulong origin)
    {
        lock (_appendGate)
        {
            ThrowIfFailed();
            if (_bytesTowardRoll > 0)
            {
                AppendLocked(LogRecord.Seal(_nextLsn, new RecordVersion(_clock.Next(), origin)));
            }

            _pending.LastTicket = ++_appendedTicket;
            return _appendedTicket;
        }
    }

    private void AppendLocked(in LogRecord record)
    {
        var length = RecordCodec.EncodedLength(record);
        var offset = _pending.Bytes.WrittenCount;
        RecordCodec.Encode(record, _pending.Bytes.GetSpan(length));
        _pending.Bytes.Advance(length);
        NoteAppendedLocked(new PendingRecord(offset, length, record.Lsn, record.Kind, record.Version, record.Key.Length));
    }

    /// <summary>Books a record whose bytes are already in the pending batch.</summary>
    private void NoteAppendedLocked(in PendingRecord record)
    {
        _pending.Records.Add(record);
        _nextLsn = record.Lsn + 1;
        _bytesTowardRoll = record.Kind == RecordKind.Seal ? 0 : _bytesTowardRoll + record.Length;
    }

    /// <summary>
    /// Returns once everything up to <paramref name="ticket"/> is written (and fsynced under
    /// <see cref="FsyncMode.Always"/>). Cancelling stops the wait only: appended records still commit.
    /// </summary>
    public async ValueTask CommitAsync(long ticket, CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _committedTicket) < ticket)
        {
            ThrowIfFailed();
            await _flushGate.WaitAsync(cancellationToken);
            try
            {
                if (Volatile.Read(ref _committedTicket) < ticket)
                {
                    ThrowIfFailed();
                    FlushPending();
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The batch is out of the pending buffer and not in the file: this shard's state is no
                // longer trustworthy. Fail it, loudly, for this writer and every other one.
                throw Fail(e);
            }
            finally
            {
                _flushGate.Release();
            }
        }
    }

    /// <summary>Commits everything appended so far, whoever appended it.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        long ticket;
        lock (_appendGate)
        {
            ticket = _appendedTicket;
        }

        return CommitAsync(ticket, cancellationToken);
    }

    /// <summary>
    /// Marks the shard failed by <paramref name="cause"/>: every later write is refused with the returned exception,
    /// waiters on the log are woken, and <see cref="Failed"/> hears it once. What was committed before stays on disk.
    /// </summary>
    public ShardFailedException Fail(Exception cause)
    {
        var failure = new ShardFailedException(Id, cause);
        if (Interlocked.CompareExchange(ref _failure, failure, null) is { } earlier)
        {
            return earlier;
        }

        Interlocked.Exchange(ref _committed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        Failed?.Invoke(this, failure);
        return failure;
    }

    /// <summary>Raised once, when the shard fails; the store reopens it from disk.</summary>
    public event Action<Shard, ShardFailedException>? Failed;

    public ShardFailedException? Failure => Volatile.Read(ref _failure);

    private void ThrowIfFailed()
    {
        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>
    /// Fsyncs the active segment if anything was written since the last fsync (for <see cref="FsyncMode.Interval"/>).
    /// The fsync runs outside the flush gate: holding it would stall every commit of the shard behind the
    /// disk. A seal that retires the handle meanwhile is harmless: the handle stays valid for the call, and
    /// the seal fsyncs the segment itself.
    /// </summary>
    public async ValueTask SyncIfDirtyAsync(CancellationToken cancellationToken)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            if (!_unsynced)
            {
                return;
            }

            handle = _activeHandle;
            _unsynced = false;
        }
        finally
        {
            _flushGate.Release();
        }

        try
        {
            RandomAccess.FlushToDisk(handle);
        }
        catch (ObjectDisposedException)
        {
            // Sealed and closed meanwhile; sealing fsynced it.
        }
        catch (IOException e)
        {
            // Pages that failed to reach the disk may be dropped by the kernel: nothing written since the last good
            // fsync can be trusted, so the shard fails and is reopened from what the disk holds.
            Fail(e);
        }
    }

    /// <summary>Writes the pending batch, sealing at every seal record in it. Caller holds <see cref="_flushGate"/>.</summary>
    private void FlushPending()
    {
        PendingBatch batch;
        lock (_appendGate)
        {
            batch = _pending;
            _pending = _spare;
            _spare = batch;
        }

        _options.FaultInjector?.Invoke("flush.write");
        var bytes = batch.Bytes.WrittenMemory;
        var written = 0;
        var ordinal = _activeRecords;
        var chunkStart = 0;
        var placed = new List<(PendingRecord Record, int Slot, long Offset, long Ordinal)>(batch.Records.Count);
        foreach (var record in batch.Records)
        {
            if (record.Offset > written && record.Offset + record.Length - written > _options.GroupCommitMaxBytes)
            {
                // One write, then its fsync, never carries more than the bound recovery assumes for a torn tail.
                WriteActive(bytes[written..record.Offset], placed.Count - chunkStart);
                SyncUnderAlwaysPolicy();
                chunkStart = placed.Count;
                written = record.Offset;
            }

            placed.Add((record, _activeSlot, _activeLength + (record.Offset - written), ordinal++));
            if (record.Kind == RecordKind.Seal)
            {
                var end = record.Offset + record.Length;
                WriteActive(bytes[written..end], placed.Count - chunkStart);
                chunkStart = placed.Count;
                written = end;
                SealActive(record.Lsn);
                ordinal = 0;
            }
        }

        WriteActive(bytes[written..], placed.Count - chunkStart);
        SyncUnderAlwaysPolicy();

        foreach (var (record, slot, offset, recordOrdinal) in placed)
        {
            Slot(slot).NoteRecord(record.Lsn, offset, recordOrdinal);
        }

        lock (_indexGate)
        {
            foreach (var (record, slot, offset, _) in placed)
            {
                if (record.Kind != RecordKind.Seal)
                {
                    _index.Apply(record.KeyIn(bytes.Span), new IndexEntry(record.Version, slot, offset, record.Length, record.Kind == RecordKind.Delete));
                }
            }
        }

        if (batch.Records.Count > 0)
        {
            PublishTail(batch.Records[^1].Lsn + 1);
        }

        // A recycled batch keeps the ticket it last carried; never let that move the committed ticket back.
        if (batch.LastTicket > Volatile.Read(ref _committedTicket))
        {
            Volatile.Write(ref _committedTicket, batch.LastTicket);
        }

        batch.Reset();
    }

    private void SyncUnderAlwaysPolicy()
    {
        if (_options.Fsync == FsyncMode.Always && _unsynced)
        {
            _options.FaultInjector?.Invoke("flush.fsync");
            RandomAccess.FlushToDisk(_activeHandle);
            _unsynced = false;
        }
    }

    /// <summary>Publishes the committed end of the log and wakes readers waiting for it. Caller holds the flush gate.</summary>
    private void PublishTail(long nextLsn)
    {
        Volatile.Write(ref _tail, new LogTail(_activeSlot, _activeFirstLsn, _activeLength, nextLsn));
        Interlocked.Exchange(ref _committed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Appends <paramref name="records"/> whole records' bytes to the active segment.</summary>
    private void WriteActive(ReadOnlyMemory<byte> bytes, int records)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        RandomAccess.Write(_activeHandle, bytes.Span, _activeLength);
        _activeHasher.Update(bytes.Span);
        _activeLength += bytes.Length;
        _activeRecords += records;
        _unsynced = true;
    }
}
