using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// The serving end of snapshot bootstrap. A request without a token pins a new consistent snapshot (exported
/// once to a file under a fresh token); a request with a live token continues that same snapshot from the
/// offset asked, so an interrupted transfer resumes instead of restarting. A token lives
/// <see cref="SnapshotSourceOptions.TokenLifetime"/> past its last use; then its file is deleted and a request
/// for it is answered with <see cref="ErrorCode.SnapshotExpired"/>.
/// </summary>
public sealed partial class SnapshotSource : IDisposable
{
    private readonly IReplicaStore _store;
    private readonly string _directory;
    private readonly NodeCredentials _credentials;
    private readonly SnapshotSourceOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, Pin> _pins = [];
    private readonly SemaphoreSlim _pinning = new(1, 1);

    public SnapshotSource(IReplicaStore store, string directory, NodeCredentials credentials, SnapshotSourceOptions options, ILogger<SnapshotSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _store = store;
        _directory = Path.GetFullPath(directory);
        _credentials = credentials;
        _options = options;
        _logger = logger;
        Directory.CreateDirectory(_directory);
        foreach (var stale in Directory.GetFiles(_directory, "*.snap"))
        {
            File.Delete(stale); // pins do not outlive the process that made them
        }
    }

    /// <summary>Tokens currently pinned (for status and tests).</summary>
    public IReadOnlyList<string> LiveTokens
    {
        get
        {
            lock (_pins)
            {
                return [.. _pins.Keys];
            }
        }
    }

    /// <summary>Answers one <see cref="SnapshotRequest"/> (already read as <paramref name="first"/>) by streaming the snapshot from the offset asked.</summary>
    public async Task ServeAsync(FrameConnection connection, Frame first, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var request = ProtocolMessage.Decode<SnapshotRequest>(first);
        ExpireStale();
        Pin? pin;
        if (request.Token.Length == 0)
        {
            if (LiveTokens.Count is var live && live >= _options.MaxLivePins)
            {
                await connection.FailAsync(ErrorCode.Internal, $"{_credentials.NodeId} has {live} snapshots pinned, its limit; retry once one expires ({_options.TokenLifetime.TotalMinutes:F0} min after its last use)");
                return;
            }

            try
            {
                pin = await PinAsync(cancellationToken);
            }
            catch (InvalidDataException e)
            {
                // The store's files disagree with its manifests: the sink is told why, and no snapshot is served.
                LogExportFailed(_logger, e.Message);
                await connection.FailAsync(ErrorCode.Internal, $"{_credentials.NodeId} cannot export a snapshot: {e.Message}");
                return;
            }
        }
        else
        {
            lock (_pins)
            {
                _pins.TryGetValue(request.Token, out pin);
            }

            if (pin is null)
            {
                LogExpired(_logger, request.Token);
                await connection.FailAsync(ErrorCode.SnapshotExpired, $"snapshot token {request.Token} is unknown or expired at {_credentials.NodeId}; start again from offset 0");
                return;
            }
        }

        if (request.Offset > pin.Length)
        {
            await connection.FailAsync(ErrorCode.Protocol, $"offset {request.Offset} is past the end of snapshot {pin.Token} ({pin.Length} bytes)");
            return;
        }

        LogServing(_logger, pin.Token, request.Offset, pin.Length);
        using var file = File.OpenHandle(pin.Path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        var buffer = new byte[_options.PieceBytes];
        var offset = request.Offset;
        do
        {
            var length = (int)Math.Min(buffer.Length, pin.Length - offset);
            var read = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, length), offset, cancellationToken);
            if (read != length)
            {
                throw new IOException($"snapshot file {pin.Path} ended at {offset + read} of {pin.Length} bytes");
            }

            pin.Touch(_options.TokenLifetime);
            var envelope = new SnapshotEnvelope(_credentials.ClusterId, _credentials.NodeId, pin.Token, pin.Info.ShardLsns, pin.Length, pin.Crc, pin.Info.StoreRoot, offset, buffer.AsMemory(0, read), offset + read == pin.Length);
            await connection.SendAsync(new SnapshotPiece(envelope), cancellationToken);
            offset += read;
        }
        while (offset < pin.Length);
    }

    public void Dispose()
    {
        lock (_pins)
        {
            foreach (var pin in _pins.Values)
            {
                File.Delete(pin.Path);
            }

            _pins.Clear();
        }

        _pinning.Dispose();
    }

    /// <summary>Exports a snapshot to a file under a new token. One export at a time: each reads the whole store.</summary>
    private async Task<Pin> PinAsync(CancellationToken cancellationToken)
    {
        await _pinning.WaitAsync(cancellationToken);
        try
        {
            var token = SafeName.Check($"snap-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}", "snapshot token");
            var path = Path.Combine(_directory, $"{token}.snap");
            SnapshotInfo info;
            try
            {
                await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 20, FileOptions.Asynchronous);
                info = await _store.ExportSnapshotAsync(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
            catch
            {
                File.Delete(path); // a failed or cancelled export leaves no partial snapshot behind
                throw;
            }

            // The transfer's CRC covers every byte of the file, the snapshot's own trailer (its CRC) included.
            Span<byte> trailer = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(trailer, info.Crc32C);
            var pin = new Pin(token, path, info, info.Length, Crc32C.Append(info.Crc32C, trailer));
            pin.Touch(_options.TokenLifetime);
            lock (_pins)
            {
                _pins[token] = pin;
            }

            LogPinned(_logger, token, info.Length, info.StoreRoot);
            return pin;
        }
        finally
        {
            _pinning.Release();
        }
    }

    private void ExpireStale()
    {
        lock (_pins)
        {
            foreach (var pin in _pins.Values.Where(p => p.Expired).ToList())
            {
                _pins.Remove(pin.Token);
                File.Delete(pin.Path);
                LogUnpinned(_logger, pin.Token);
            }
        }
    }

    private sealed class Pin(string token, string path, SnapshotInfo info, long length, uint crc)
    {
        private long _expiresAt;

        public string Token { get; } = token;

        public string Path { get; } = path;

        public SnapshotInfo Info { get; } = info;

        public long Length { get; } = length;

        public uint Crc { get; } = crc;

        public bool Expired => Environment.TickCount64 > Volatile.Read(ref _expiresAt);

        public void Touch(TimeSpan lifetime) => Volatile.Write(ref _expiresAt, Environment.TickCount64 + (long)lifetime.TotalMilliseconds);
    }
}
