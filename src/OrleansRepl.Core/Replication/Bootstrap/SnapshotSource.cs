using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Protocol.Messages;
using OrleansRepl.Core.Storage;
using OrleansRepl.Core.Storage.Files;

namespace OrleansRepl.Core.Replication.Bootstrap;

/// <summary>
/// The serving end of snapshot bootstrap. A request without a token pins a new consistent snapshot under a fresh
/// token: by reference, its sealed segment files held open and only each shard's active bytes copied, so pinning
/// costs no pass over the store. A request with a live token continues that same snapshot from the offset asked,
/// so an interrupted transfer resumes instead of restarting. The stream's trailer CRC-32C is computed as the bytes
/// go out; a resumed send picks the CRC up where an earlier send left it. A token lives
/// <see cref="SnapshotSourceOptions.TokenLifetime"/> past its last use, or only
/// <see cref="SnapshotSourceOptions.FinishedPinLifetime"/> once it was sent to its end; then it is released and a
/// request for it is answered with <see cref="ErrorCode.SnapshotExpired"/>.
/// </summary>
public sealed partial class SnapshotSource : IDisposable
{
    private readonly IReplicaStore _store;
    private readonly NodeCredentials _credentials;
    private readonly SnapshotSourceOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, SnapshotPin> _pins = [];
    private readonly SemaphoreSlim _pinning = new(1, 1);

    public SnapshotSource(IReplicaStore store, NodeCredentials credentials, SnapshotSourceOptions options, ILogger<SnapshotSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _store = store;
        _credentials = credentials;
        _options = options;
        _logger = logger;
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
        SnapshotPin? pin;
        if (request.Token.Length == 0)
        {
            try
            {
                pin = await PinAsync(cancellationToken);
            }
            catch (SnapshotPinLimitException e)
            {
                await connection.FailAsync(ErrorCode.Internal, e.Message);
                return;
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

        if (request.Offset > pin.Snapshot.Length)
        {
            await connection.FailAsync(ErrorCode.Protocol, $"offset {request.Offset} is past the end of snapshot {pin.Token} ({pin.Snapshot.Length} bytes)");
            return;
        }

        LogServing(_logger, pin.Token, request.Offset, pin.Snapshot.Length);
        var clock = Stopwatch.StartNew();
        var reading = TimeSpan.Zero;
        var buffer = new byte[_options.PieceBytes];
        var offset = request.Offset;
        var crc = await pin.CrcAtAsync(offset, buffer, cancellationToken);
        do
        {
            var started = clock.Elapsed;
            var read = await pin.Snapshot.ReadAsync(offset, buffer, cancellationToken);
            crc = Hashing.Crc32C.Append(crc, buffer.AsSpan(0, read));
            read += pin.TrailerInto(buffer.AsSpan(read), offset + read, crc);
            reading += clock.Elapsed - started;
            pin.Touch(_options.TokenLifetime);
            var done = offset + read == pin.Snapshot.Length;
            var envelope = new SnapshotEnvelope(_credentials.ClusterId, _credentials.NodeId, pin.Token, pin.Snapshot.ShardLsns, pin.Snapshot.Length, pin.Snapshot.StoreRoot, offset, buffer.AsMemory(0, read), done);
            await connection.SendAsync(new SnapshotPiece(envelope), cancellationToken);
            offset += read;
            pin.NoteCrc(offset, crc);
        }
        while (offset < pin.Snapshot.Length);

        // Sent whole: the sink needs it again only if the last pieces were lost on the way, and then it asks at once.
        pin.Shorten(_options.FinishedPinLifetime);
        LogServed(_logger, pin.Token, offset - request.Offset, clock.Elapsed.TotalSeconds, reading.TotalSeconds);
    }

    public void Dispose()
    {
        lock (_pins)
        {
            foreach (var pin in _pins.Values)
            {
                pin.Snapshot.Dispose();
            }

            _pins.Clear();
        }

        _pinning.Dispose();
    }

    /// <summary>Pins a snapshot under a new token, within <see cref="SnapshotSourceOptions.MaxLivePins"/>.</summary>
    private async Task<SnapshotPin> PinAsync(CancellationToken cancellationToken)
    {
        await _pinning.WaitAsync(cancellationToken);
        try
        {
            // Checked under the pinning lock: concurrent requests cannot all pass the limit before any pins.
            if (LiveTokens.Count is var live && live >= _options.MaxLivePins)
            {
                throw new SnapshotPinLimitException($"{_credentials.NodeId} has {live} snapshots pinned, its limit; retry once one expires ({_options.TokenLifetime.TotalMinutes:F0} min after its last use)");
            }

            var token = SafeName.Check($"snap-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}", "snapshot token");
            var pin = new SnapshotPin(token, await _store.PinSnapshotAsync(cancellationToken));
            pin.Touch(_options.TokenLifetime);
            lock (_pins)
            {
                _pins[token] = pin;
            }

            LogPinned(_logger, token, pin.Snapshot.Length, pin.Snapshot.StoreRoot);
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
                pin.Snapshot.Dispose();
                LogUnpinned(_logger, pin.Token);
            }
        }
    }

    /// <summary>A new pin would pass <see cref="SnapshotSourceOptions.MaxLivePins"/>.</summary>
    private sealed class SnapshotPinLimitException(string message) : Exception(message);
}
