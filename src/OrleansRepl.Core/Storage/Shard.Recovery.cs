using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Index;
using OrleansRepl.Core.Storage.Recovery;

namespace OrleansRepl.Core.Storage;

/// <summary>
/// Opening a shard: finishing an interrupted seal, loading sealed segments, and cutting a torn tail. Damage is
/// refused, never cut: see <see cref="LogAudit"/> for the rule.
/// </summary>
internal sealed partial class Shard
{
    /// <summary>
    /// Opens (or creates) the shard in <paramref name="directory"/>; <paramref name="droppedBytes"/> is how much torn
    /// tail was cut. A <paramref name="seed"/> from the install that wrote the shard stands in for reading its sealed
    /// segments, if it describes exactly them.
    /// </summary>
    public static Shard Open(int id, string directory, StoreOptions options, HybridLogicalClock clock, out long droppedBytes, ShardIndexSeed? seed = null)
    {
        var shard = new Shard(id, directory, options, clock);
        try
        {
            Directory.CreateDirectory(shard._segmentsDirectory);
            droppedBytes = shard.Recover(seed);
            return shard;
        }
        catch (SegmentCorruptException e)
        {
            // A manifest that does not parse, or names what cannot be a segment: damage like any other.
            shard.Dispose();
            throw new ShardDamagedException(id, e.Segment, e.Offset, 0, 0, 0, e.Message);
        }
        catch
        {
            shard.Dispose();
            throw;
        }
    }

    private long Recover(ShardIndexSeed? seed)
    {
        _manifest = SegmentManifest.LoadOrEmpty(_directory);
        FinishInterruptedRename();
        if (seed is not null && CanAdopt(seed))
        {
            AdoptSealed(seed);
        }
        else
        {
            foreach (var entry in _manifest.Segments)
            {
                LoadSealed(entry);
            }
        }

        return LoadActive();
    }

    /// <summary>A seed stands in for the sealed segments only if the manifest names exactly its segments, each file there at its length.</summary>
    private bool CanAdopt(ShardIndexSeed seed) =>
        _slots.Count == 0 && seed.Describes(_manifest.Segments)
        && _manifest.Segments.All(s => new FileInfo(SegmentPath(s.Hash)) is { Exists: true } file && file.Length == s.Bytes);

    /// <summary>Takes the index, record starts and newest timestamp the install noted, in place of reading the sealed segments.</summary>
    private void AdoptSealed(ShardIndexSeed seed)
    {
        for (var position = 0; position < seed.Segments.Count; position++)
        {
            var slot = AddSlot(SegmentPath(seed.Segments[position].Hash));
            Slot(slot).AdoptCheckpoints(seed.CheckpointsOf(position));
        }

        _index = seed.Index;
        _clock.Observe(seed.NewestTimestamp);
    }

    /// <summary>
    /// A crash between steps 2 and 3 of a seal leaves the manifest naming a segment that is still the active
    /// file. Its hash proves it; the rename is then simply done now.
    /// </summary>
    private void FinishInterruptedRename()
    {
        if (_manifest.Segments.Count == 0 || !File.Exists(ActivePath))
        {
            return;
        }

        var last = _manifest.Segments[^1];
        if (last.Imported)
        {
            return;
        }

        // The segment's file may exist and the rename still be due: an imported copy of the same bytes was
        // there before the seal. Only an active file of exactly that length and hash is the unrenamed segment.
        var segmentExists = File.Exists(SegmentPath(last.Hash));
        if (segmentExists && new FileInfo(ActivePath).Length != last.Bytes)
        {
            return;
        }

        var activeHash = Blake3Hasher.Hash(File.ReadAllBytes(ActivePath)).ToString();
        if (segmentExists && activeHash != last.Hash)
        {
            return;
        }

        if (activeHash != last.Hash)
        {
            throw new ShardDamagedException(Id, SegmentPath(last.Hash), 0, last.FirstLsn - 1, 0, 0,
                $"the segment is listed in {SegmentManifest.FileName} but the file is missing, and {ActiveFileName} hashes to {activeHash}");
        }

        DurableFile.Rename(ActivePath, SegmentPath(last.Hash));
    }

    private void LoadSealed(SealedSegmentEntry entry)
    {
        var path = SegmentPath(entry.Hash);
        if (!File.Exists(path))
        {
            throw new ShardDamagedException(Id, path, 0, entry.FirstLsn - 1, 0, 0, $"the segment is listed in {SegmentManifest.FileName} but the file is missing");
        }

        var image = File.ReadAllBytes(path);
        var slot = AddSlot(path);
        var ordinal = 0L;
        var audit = LogAudit.Examine(image, _options.MaxBodyBytes, _options.GroupCommitMaxBytes, unsyncedZerosAreTorn: false, (in LogRecord record, long offset, int length) =>
            IndexRecovered(record, slot, offset, length, ordinal++));

        // A sealed segment was whole and fsynced before it was named: any fault in it, even at its end, is damage.
        if (audit.Fault != TailFault.None)
        {
            throw Damaged(path, audit, audit.LastGoodLsn > 0 ? audit.LastGoodLsn : entry.FirstLsn - 1);
        }

        if (!entry.Imported && (audit.FirstLsn != entry.FirstLsn || audit.LastGoodLsn != entry.LastLsn))
        {
            throw new ShardDamagedException(Id, path, 0, entry.FirstLsn - 1, image.Length, audit.Records,
                $"it holds LSNs {audit.FirstLsn}..{audit.LastGoodLsn}; the manifest says {entry.FirstLsn}..{entry.LastLsn}");
        }
    }

    /// <summary>
    /// Loads the active segment. A torn tail (see <see cref="LogAudit"/>) is cut, fsynced and reported; damage
    /// refuses the open with <see cref="ShardDamagedException"/> and leaves the file as it is. Returns the bytes cut.
    /// </summary>
    private long LoadActive()
    {
        var continuesAt = _manifest.NextLsn;
        if (!File.Exists(ActivePath))
        {
            _nextLsn = continuesAt;
            StartActive(continuesAt);
            PublishTail(continuesAt);
            return 0;
        }

        var image = File.ReadAllBytes(ActivePath);
        var slot = AddSlot(ActivePath);
        var lastKind = RecordKind.Put;
        var ordinal = 0L;
        var audit = LogAudit.Examine(image, _options.MaxBodyBytes, _options.GroupCommitMaxBytes, _options.Fsync != FsyncMode.Always, (in LogRecord record, long offset, int length) =>
        {
            lastKind = record.Kind;
            IndexRecovered(record, slot, offset, length, ordinal++);
        });
        if (audit.Fault == TailFault.Damage)
        {
            throw Damaged(ActivePath, audit, audit.Records > 0 ? audit.LastGoodLsn : continuesAt - 1);
        }

        if (audit.Records > 0 && audit.FirstLsn != continuesAt)
        {
            throw new ShardDamagedException(Id, ActivePath, 0, continuesAt - 1, image.Length, audit.Records,
                $"it starts at LSN {audit.FirstLsn}; the manifest continues the log at {continuesAt}");
        }

        var good = audit.GoodBytes;
        var dropped = image.Length - good;
        _activeHandle = File.OpenHandle(ActivePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        if (dropped > 0)
        {
            RandomAccess.SetLength(_activeHandle, good);
            RandomAccess.FlushToDisk(_activeHandle);
        }

        AdoptActive(slot, continuesAt, audit.Records, image.AsSpan(0, (int)good));
        _nextLsn = audit.Records > 0 ? audit.LastGoodLsn + 1 : continuesAt;
        _bytesTowardRoll = good;
        if (audit.Records > 0 && lastKind == RecordKind.Seal)
        {
            // A crash between writing a seal record and step 2 of the seal: finish it.
            SealActive(audit.LastGoodLsn);
            _bytesTowardRoll = 0;
        }

        PublishTail(_nextLsn);
        return dropped;
    }

    private ShardDamagedException Damaged(string path, in LogAudit audit, long lastGoodLsn) =>
        new(Id, path, audit.GoodBytes, lastGoodLsn, audit.BytesAfter, audit.RecordsAfter, audit.Reason);

    private void IndexRecovered(in LogRecord record, int slot, long offset, int length, long ordinal)
    {
        Slot(slot).NoteRecord(record.Lsn, offset, ordinal);
        _clock.Observe(record.Version.Timestamp);
        if (record.Kind != RecordKind.Seal)
        {
            _index.Apply(record.Key.Span, new IndexEntry(record.Version, slot, offset, length, record.IsTombstone));
        }
    }
}
