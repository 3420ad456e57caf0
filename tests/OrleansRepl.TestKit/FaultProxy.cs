using System.Net;
using System.Net.Sockets;

namespace OrleansRepl.TestKit;

/// <summary>
/// A loopback TCP proxy between a client and a server that can damage the server→client direction:
/// flip one byte at a chosen position (once), cut connections after a random number of bytes, or hold
/// everything past a chosen byte until <see cref="Resume"/> (a transfer caught mid-way, for as long as a test needs).
/// </summary>
public sealed class FaultProxy : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Random _random = new(7);
    private readonly List<Task> _pumps = [];
    private Task _accepting = Task.CompletedTask;
    private long _downstreamBytes;
    private readonly TaskCompletionSource _resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public FaultProxy(IPEndPoint target) => _target = target;

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Server→client byte (counted across all connections) to flip once; -1 for none.</summary>
    public long CorruptAtByte { get; set; } = -1;

    /// <summary>How many more connections to cut, each after a random 1..<see cref="MaxBytesBeforeCut"/> bytes downstream.</summary>
    public int CutsRemaining { get; set; }

    public int MaxBytesBeforeCut { get; set; } = 200_000;

    /// <summary>Server→client bytes (counted across all connections) past which forwarding that way waits for <see cref="Resume"/>; -1 for never.</summary>
    public long PauseAtByte { get; set; } = -1;

    /// <summary>Lets held traffic through, and all traffic from now on.</summary>
    public void Resume() => _resumed.TrySetResult();

    public int Corrupted { get; private set; }

    public int Cut { get; private set; }

    public void Start()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_pumps.ToArray()).ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await server.ConnectAsync(_target);
            long? cutAfter = null;
            if (CutsRemaining > 0)
            {
                CutsRemaining--;
                cutAfter = _random.Next(1, MaxBytesBeforeCut);
            }

            lock (_pumps)
            {
                _pumps.Add(PumpAsync(client, server, cutAfter));
            }
        }
    }

    private async Task PumpAsync(Socket client, Socket server, long? cutAfter)
    {
        using (client)
        using (server)
        using (var connection = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            var upstream = CopyAsync(client, server, damage: false, null, connection);
            var downstream = CopyAsync(server, client, damage: true, cutAfter, connection);
            await Task.WhenAny(upstream, downstream);
            await connection.CancelAsync();
            await Task.WhenAll(upstream, downstream).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task CopyAsync(Socket from, Socket to, bool damage, long? cutAfter, CancellationTokenSource connection)
    {
        var buffer = new byte[16 << 10];
        long sent = 0;
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, connection.Token);
                if (read == 0)
                {
                    return;
                }

                if (damage)
                {
                    var start = Interlocked.Add(ref _downstreamBytes, read) - read;
                    if (PauseAtByte >= 0 && start + read > PauseAtByte)
                    {
                        await _resumed.Task.WaitAsync(connection.Token);
                    }

                    if (CorruptAtByte >= start && CorruptAtByte < start + read)
                    {
                        buffer[CorruptAtByte - start] ^= 0x5A;
                        CorruptAtByte = -1;
                        Corrupted++;
                    }

                    if (cutAfter is { } limit && sent + read >= limit)
                    {
                        await to.SendAsync(buffer.AsMemory(0, (int)(limit - sent)), connection.Token);
                        Cut++;
                        return;
                    }
                }

                await to.SendAsync(buffer.AsMemory(0, read), connection.Token);
                sent += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }
}
