using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// The intent log as one append-only file of checksummed records, each fsynced before the call returns:
/// <c>u32 length | u32 CRC-32C of the payload | payload (JSON)</c>. On open, a record cut short at the end (a
/// write the crash interrupted) is cut off; a whole record that fails its checksum refuses the open, naming
/// the offset, because what follows it cannot be trusted and must not be silently dropped. One process at a
/// time: a second open fails with <see cref="IntentLogInUseException"/>.
/// </summary>
public sealed class FileBootstrapIntentLog : IBootstrapIntentLog, IDisposable
{
    /// <summary>The largest record payload; a length prefix beyond it is corruption, refused before allocating.</summary>
    public const int MaxRecordBytes = 64 << 10;

    private const int HeaderSize = 8;
    private readonly Lock _gate = new();
    private readonly SafeFileHandle _file;
    private readonly List<IntentRecord> _records;
    private long _length;

    private FileBootstrapIntentLog(string path, SafeFileHandle file, List<IntentRecord> records, long length)
    {
        Path = path;
        _file = file;
        _records = records;
        _length = length;
    }

    public string Path { get; }

    /// <summary>Bytes of an interrupted last record that opening cut off (0 when the log ended cleanly).</summary>
    public long DroppedTailBytes { get; private init; }

    /// <summary>Opens (or creates) the log at <paramref name="path"/> and reads every record in it.</summary>
    public static FileBootstrapIntentLog Open(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        SafeFileHandle file;
        try
        {
            // Exclusive: two bootstraps of one replica at once would interleave their records and their partial file.
            file = File.OpenHandle(full, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(full))
        {
            throw new IntentLogInUseException(full, e);
        }

        try
        {
            var (records, good) = ReadAll(full, file);
            var length = RandomAccess.GetLength(file);
            if (good < length)
            {
                RandomAccess.SetLength(file, good);
                RandomAccess.FlushToDisk(file);
            }

            return new FileBootstrapIntentLog(full, file, records, good) { DroppedTailBytes = length - good };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public ValueTask<string> BeginAsync(string replica, string source, CancellationToken cancellationToken)
    {
        SafeName.Check(replica, "replica node id");
        SafeName.Check(source, "source node id");
        var intent = $"bootstrap-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..47];
        Append(new IntentRecord(intent, replica, IntentPhase.Begin, DateTimeOffset.UtcNow, source, null, null));
        return ValueTask.FromResult(intent);
    }

    public ValueTask CheckpointAsync(string intent, BootstrapCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Append(Continuing(intent) with { Phase = IntentPhase.Checkpoint, At = DateTimeOffset.UtcNow, Checkpoint = checkpoint });
        return ValueTask.CompletedTask;
    }

    public ValueTask CompleteAsync(string intent, CancellationToken cancellationToken)
    {
        Append(Continuing(intent) with { Phase = IntentPhase.Complete, At = DateTimeOffset.UtcNow, Checkpoint = null });
        return ValueTask.CompletedTask;
    }

    public ValueTask AbortAsync(string intent, string reason, CancellationToken cancellationToken)
    {
        Append(Continuing(intent) with { Phase = IntentPhase.Abort, At = DateTimeOffset.UtcNow, Reason = reason, Checkpoint = null });
        return ValueTask.CompletedTask;
    }

    public ValueTask<IReadOnlyList<UnfinishedIntent>> ListUnfinishedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var unfinished = new List<UnfinishedIntent>();
            foreach (var group in _records.GroupBy(r => r.Intent))
            {
                var records = group.ToList();
                if (records[0].Phase != IntentPhase.Begin || records.Any(r => r.Phase is IntentPhase.Complete or IntentPhase.Abort))
                {
                    continue;
                }

                var last = records.LastOrDefault(r => r.Phase == IntentPhase.Checkpoint)?.Checkpoint;
                unfinished.Add(new UnfinishedIntent(group.Key, records[0].Replica, records[0].Source!, records[0].At, last));
            }

            return ValueTask.FromResult<IReadOnlyList<UnfinishedIntent>>(unfinished);
        }
    }

    public void Dispose() => _file.Dispose();

    /// <summary>The begin record of an intent that is still open; anything else is a caller's mistake, refused.</summary>
    private IntentRecord Continuing(string intent)
    {
        lock (_gate)
        {
            var records = _records.Where(r => r.Intent == intent).ToList();
            return records switch
            {
                [] => throw new StoreArgumentException($"bootstrap intent {intent} was never begun in {Path}"),
                _ when records[^1].Phase is IntentPhase.Complete or IntentPhase.Abort => throw new StoreArgumentException($"bootstrap intent {intent} already ended ({records[^1].Phase.ToString().ToLowerInvariant()}) in {Path}"),
                _ => records[0],
            };
        }
    }

    private void Append(IntentRecord record)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(record, IntentJsonContext.Default.IntentRecord);
        if (payload.Length > MaxRecordBytes)
        {
            throw new StoreArgumentException($"bootstrap intent record of {payload.Length} bytes exceeds the {MaxRecordBytes}-byte limit");
        }

        var bytes = new byte[HeaderSize + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), Crc32C.Compute(payload));
        payload.CopyTo(bytes, HeaderSize);
        lock (_gate)
        {
            RandomAccess.Write(_file, bytes, _length);
            RandomAccess.FlushToDisk(_file);
            _length += bytes.Length;
            _records.Add(record);
        }
    }

    private static (List<IntentRecord> Records, long Good) ReadAll(string path, SafeFileHandle file)
    {
        var image = new byte[RandomAccess.GetLength(file)];
        RandomAccess.Read(file, image, 0);
        var records = new List<IntentRecord>();
        var offset = 0;
        while (image.Length - offset >= HeaderSize)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(offset));
            if (length == 0 || length > MaxRecordBytes || image.Length - offset - HeaderSize < length)
            {
                // Zeros, or a record longer than what is left: the write a crash interrupted. Only the tail can be
                // such, because every record is fsynced before the next begins.
                break;
            }

            var payload = image.AsSpan(offset + HeaderSize, (int)length);
            var declared = BinaryPrimitives.ReadUInt32LittleEndian(image.AsSpan(offset + 4));
            if (Crc32C.Compute(payload) != declared)
            {
                throw new IntentLogCorruptException(path, offset, $"a {length}-byte record fails its checksum (declared {declared:x8}, computed {Crc32C.Compute(payload):x8})");
            }

            records.Add(JsonSerializer.Deserialize(payload, IntentJsonContext.Default.IntentRecord)
                ?? throw new IntentLogCorruptException(path, offset, "a record holds no intent"));
            offset += HeaderSize + (int)length;
        }

        return (records, offset);
    }
}

/// <summary>One line of the intent log.</summary>
internal sealed record IntentRecord(string Intent, string Replica, IntentPhase Phase, DateTimeOffset At, string? Source, string? Reason, BootstrapCheckpoint? Checkpoint);

[JsonSerializable(typeof(IntentRecord))]
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
internal sealed partial class IntentJsonContext : JsonSerializerContext;
