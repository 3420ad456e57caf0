using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage.Files;
using OrleansRepl.Core.Storage.Index;

namespace OrleansRepl.Core.Storage;

/// <summary>Segments imported from peers by anti-entropy: kept verbatim, their records merged last-writer-wins.</summary>
internal sealed partial class Shard
{
    /// <summary>
    /// Stores a verified segment (its hash and records already checked by the store) and merges its records
    /// into the index by version. Serialized with seals, which also write the manifest.
    /// </summary>
    public async ValueTask<SegmentImportResult.Applied> ImportAsync(ReadOnlyMemory<byte> bytes, Blake3Hash hash, IReadOnlyList<(LogRecord Record, long Offset, int Length)> records, CancellationToken cancellationToken)
    {
        await _flushGate.WaitAsync(cancellationToken);
        try
        {
            var name = hash.ToString();
            var path = SegmentPath(name);
            var temporary = path + ".tmp";
            using (var handle = File.OpenHandle(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                RandomAccess.Write(handle, bytes.Span, 0);
                RandomAccess.FlushToDisk(handle);
            }

            DurableFile.Rename(temporary, path);
            var entry = new SealedSegmentEntry(name, records[0].Record.Lsn, records[^1].Record.Lsn, bytes.Length, records.Count, Imported: true);
            SaveManifest(_manifest with { Segments = [.. _manifest.Segments, entry] });

            var slot = AddSlot(path);
            long written = 0;
            long skipped = 0;
            lock (_indexGate)
            {
                var ordinal = 0L;
                foreach (var (record, offset, length) in records)
                {
                    Slot(slot).NoteRecord(record.Lsn, offset, ordinal++);
                    _clock.Observe(record.Version.Timestamp);
                    if (record.Kind == RecordKind.Seal)
                    {
                        continue;
                    }

                    if (_index.Apply(record.Key.Span, new IndexEntry(record.Version, slot, offset, length, record.IsTombstone)))
                    {
                        written++;
                    }
                    else
                    {
                        skipped++;
                    }
                }
            }

            return new SegmentImportResult.Applied(Id, written, skipped);
        }
        finally
        {
            _flushGate.Release();
        }
    }
}
