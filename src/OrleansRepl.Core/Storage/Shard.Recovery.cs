using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Index;
using OrleansRepl.Core.Storage.Segments;

namespace OrleansRepl.Core.Storage;

/// <summary>Opening a shard: finishing an interrupted seal, loading sealed segments, and cutting a torn tail.</summary>
internal sealed partial class Shard
{
    /// <summary>Opens (or creates) the shard in <paramref name="directory"/>; <paramref name="droppedBytes"/> is how much torn tail was cut.</summary>
    public static Shard Open(int id, string directory, StoreOptions options, HybridLogicalClock clock, out long droppedBytes)
    {
        var shard = new Shard(id, directory, options, clock);
        try
        {
            Directory.CreateDirectory(shard._segmentsDirectory);
            droppedBytes = shard.Recover();
            return shard;
        }
        catch
        {
            shard.Dispose();
            throw;
        }
    }

    private long Recover()
    {
        _manifest = SegmentManifest.LoadOrEmpty(_directory);
        FinishInterruptedRename();
        foreach (var entry in _manifest.Segments)
        {
            LoadSealed(entry);
        }

        return LoadActive();
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

        var activeHash = Blake3.Hash(File.ReadAllBytes(ActivePath)).ToString();
        if (segmentExists && activeHash != last.Hash)
        {
            return;
        }

        if (activeHash != last.Hash)
        {
            throw new SegmentCorruptException(last.Hash, 0, $"listed in {SegmentManifest.FileName} of shard {Id} but the file is missing, and {ActiveFileName} hashes to {activeHash}");
        }

        DurableFile.Rename(ActivePath, SegmentPath(last.Hash));
    }

    private void LoadSealed(SealedSegmentEntry entry)
    {
        var path = SegmentPath(entry.Hash);
        if (!File.Exists(path))
        {
            throw new SegmentCorruptException(entry.Hash, 0, $"listed in {SegmentManifest.FileName} of shard {Id} but the file {path} is missing");
        }

        var image = File.ReadAllBytes(path);
        var slot = AddSlot(path);
        var firstLsn = 0L;
        var ordinal = 0L;
        var scan = SegmentScanner.Scan(image, _options.MaxBodyBytes, (in LogRecord record, long offset, int length) =>
        {
            firstLsn = firstLsn == 0 ? record.Lsn : firstLsn;
            IndexRecovered(record, slot, offset, length, ordinal++);
        });
        if (scan.Stop != DecodeStatus.Ok)
        {
            throw new SegmentCorruptException(entry.Hash, scan.GoodBytes, scan.StopReason);
        }

        if (!entry.Imported && (firstLsn != entry.FirstLsn || scan.LastLsn != entry.LastLsn))
        {
            throw new SegmentCorruptException(entry.Hash, 0, $"holds LSNs {firstLsn}..{scan.LastLsn}; the manifest says {entry.FirstLsn}..{entry.LastLsn}");
        }
    }

    /// <summary>Loads the active segment, truncating it after its last whole, checksummed record; returns the bytes cut.</summary>
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
        var firstLsn = 0L;
        var lastKind = RecordKind.Put;
        var ordinal = 0L;
        var scan = SegmentScanner.Scan(image, _options.MaxBodyBytes, (in LogRecord record, long offset, int length) =>
        {
            firstLsn = firstLsn == 0 ? record.Lsn : firstLsn;
            lastKind = record.Kind;
            IndexRecovered(record, slot, offset, length, ordinal++);
        });
        if (scan.Records > 0 && firstLsn != continuesAt)
        {
            throw new SegmentCorruptException($"{ActiveFileName} of shard {Id}", 0, $"starts at LSN {firstLsn}; the manifest continues the log at {continuesAt}");
        }

        var good = scan.GoodBytes;
        var dropped = image.Length - good;
        _activeHandle = File.OpenHandle(ActivePath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        if (dropped > 0)
        {
            RandomAccess.SetLength(_activeHandle, good);
            RandomAccess.FlushToDisk(_activeHandle);
        }

        var hasher = new Blake3Hasher();
        hasher.Update(image.AsSpan(0, (int)good));
        AdoptActive(slot, continuesAt, good, scan.Records, hasher);
        _nextLsn = scan.Records > 0 ? scan.LastLsn + 1 : continuesAt;
        _bytesTowardRoll = good;
        if (scan.Records > 0 && lastKind == RecordKind.Seal)
        {
            // A crash between writing a seal record and step 2 of the seal: finish it.
            SealActive(scan.LastLsn);
            _bytesTowardRoll = 0;
        }

        PublishTail(_nextLsn);
        return dropped;
    }

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
