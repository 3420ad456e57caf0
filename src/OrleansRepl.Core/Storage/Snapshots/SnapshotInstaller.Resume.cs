namespace OrleansRepl.Core.Storage.Snapshots;

/// <summary>Continuing an install after a crash, from what its staging directory holds.</summary>
internal sealed partial class SnapshotInstaller
{
    /// <summary>
    /// Continues an install cut off at <paramref name="offset"/>, whose bytes had CRC-32C <paramref name="crc"/>: the
    /// staging directory's header and part files are replayed through every check, and the install continues only if
    /// they hold exactly those bytes. Returns null, with the reason, when they do not.
    /// </summary>
    public static async ValueTask<(SnapshotInstaller? Installer, string? Reason)> ResumeAsync(string staging, StoreOptions options, long offset, uint crc, bool indexing, CancellationToken cancellationToken)
    {
        var headerPath = Path.Combine(staging, HeaderFileName);
        if (!File.Exists(headerPath))
        {
            return (null, $"{staging} holds no snapshot header to resume from");
        }

        var header = await File.ReadAllBytesAsync(headerPath, cancellationToken);
        try
        {
            // The shard count is the snapshot's: the header says it before anything else is checked.
            if (SnapshotLayout.TryParse(header, out var declared))
            {
                options = options with { ShardCount = declared!.Shards.Count };
            }
        }
        catch (SnapshotCorruptException e)
        {
            return (null, e.Message);
        }

        var installer = new SnapshotInstaller(staging, options, replaying: true, indexing);
        try
        {
            await installer.AcceptAsync(header, cancellationToken);
            if (installer._layout is not { } layout || installer.Offset != layout.HeaderLength || offset < layout.HeaderLength || offset > layout.PayloadLength)
            {
                installer.Dispose();
                return (null, $"the checkpointed offset {offset} is not within the payload of the snapshot whose header {headerPath} holds");
            }

            var buffer = new byte[1 << 20];
            while (installer.Offset < offset)
            {
                var want = (int)Math.Min(Math.Min(buffer.Length, offset - installer.Offset), layout.Parts[installer._part].Length - installer._partDone);
                var read = RandomAccess.Read(installer._file!, buffer.AsSpan(0, want), installer._partDone);
                if (read == 0)
                {
                    var path = Path.Combine(staging, layout.Parts[installer._part].RelativePath);
                    installer.Dispose();
                    return (null, $"{path} ends at byte {installer._partDone}, before the checkpointed offset {offset}");
                }

                await installer.AcceptAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            await installer._verifying;
            if (installer.Crc != crc)
            {
                var computed = installer.Crc;
                installer.Dispose();
                return (null, $"the first {offset} bytes in {staging} have CRC-32C {computed:x8}, not the checkpointed {crc:x8}");
            }

            // Anything received after the checkpoint is cut off: the source sends it again.
            installer._replaying = false;
            if (installer._file is { } current)
            {
                RandomAccess.SetLength(current, installer._partDone);
            }

            return (installer, null);
        }
        catch (SnapshotCorruptException e)
        {
            installer.Dispose();
            return (null, e.Message);
        }
    }
}
