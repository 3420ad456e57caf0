using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Storage;

/// <summary>
/// Sealing the active segment. The steps are ordered so that a crash after any of them is finished on
/// the next open (see Shard.Recovery.cs):
/// 1. the active file, ending in its seal record, is fsynced;
/// 2. the manifest that lists it under its BLAKE3 hash replaces the old one;
/// 3. the file is renamed to that hash (replacing an imported copy of the same bytes, if any);
/// 4. a new, empty active file is created.
/// </summary>
internal sealed partial class Shard
{
    /// <summary>Seals the active segment, whose last record is the seal at <paramref name="sealLsn"/>. Caller holds the flush gate.</summary>
    private void SealActive(long sealLsn)
    {
        RandomAccess.FlushToDisk(_activeHandle);
        _unsynced = false;
        var hash = _activeHasher.FinalizeHash().ToString();
        var entry = new SealedSegmentEntry(hash, _activeFirstLsn, sealLsn, _activeLength, _activeRecords, Imported: false);

        // The same bytes may already be here, imported from a peer by anti-entropy while this log lagged: the
        // own segment takes the imported one's place (same name, same content), so it is listed once.
        var kept = _manifest.Segments.Where(s => !(s.Imported && s.Hash == hash));
        SaveManifest(_manifest with { NextLsn = sealLsn + 1, Segments = [.. kept, entry] });
        _activeHandle.Dispose();
        DurableFile.Rename(ActivePath, SegmentPath(hash));
        Slot(_activeSlot).Path = SegmentPath(hash);
        StartActive(sealLsn + 1);
    }

    /// <summary>Creates an empty active segment that continues the log at <paramref name="firstLsn"/>.</summary>
    private void StartActive(long firstLsn)
    {
        _activeHandle = File.OpenHandle(ActivePath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);
        DurableFile.SyncDirectory(_directory);
        AdoptActive(AddSlot(ActivePath), firstLsn, records: 0, written: []);
    }

    /// <summary>Makes the segment in <paramref name="slot"/> the active one, its hash running over the bytes already <paramref name="written"/>.</summary>
    private void AdoptActive(int slot, long firstLsn, long records, ReadOnlySpan<byte> written)
    {
        _activeSlot = slot;
        _activeFirstLsn = firstLsn;
        _activeLength = written.Length;
        _activeRecords = records;
        _activeHasher.Reset();
        _activeHasher.Update(written);
    }

    /// <summary>The active segment's written bytes. Caller holds the flush gate, so nothing is appended meanwhile.</summary>
    private byte[] ReadActive()
    {
        var image = new byte[_activeLength];
        for (var read = 0; read < image.Length;)
        {
            var n = RandomAccess.Read(_activeHandle, image.AsSpan(read), read);
            read += n > 0 ? n : throw new SegmentCorruptException($"{ActiveFileName} of shard {Id}", read, $"the file is shorter than the {image.Length} bytes written to it");
        }

        return image;
    }

    private void SaveManifest(SegmentManifest manifest)
    {
        manifest.Save(_directory);
        Volatile.Write(ref _manifest, manifest);
    }
}
