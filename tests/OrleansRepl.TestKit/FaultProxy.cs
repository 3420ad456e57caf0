using System.Net;
using System.Net.Sockets;

namespace OrleansRepl.TestKit;

/// <summary>
/// A loopback TCP proxy between a client and a server that can damage the server→client direction:
/// flip one byte at a chosen position (once), cut connections after a random number of bytes, or hold
/// everything past a chosen byte until <see cref="Resume"/> (a transfer caught mid-way, for as long as a test needs).
/// It can also <see cref="Partition"/> chosen clients off: nothing flows either way on their connections, which stay
/// open, as across a network that drops every packet, until <see cref="Heal"/>.
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
    private volatile Partitioned? _partition;

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

    /// <summary>
    /// From now on, nothing flows either way on the connections whose client end <paramref name="isCutOff"/> picks,
    /// those open now and those accepted later, until <see cref="Heal"/>. It is asked once per connection.
    /// </summary>
    public void Partition(Func<IPEndPoint, bool> isCutOff) => _partition = new Partitioned(isCutOff);

    /// <summary>Lets everything a <see cref="Partition"/> held flow again.</summary>
    public void Heal() => Interlocked.Exchange(ref _partition, null)?.Healed.TrySetResult();

    /// <summary>Server→client bytes so far, across all connections (those held past <see cref="PauseAtByte"/> included).</summary>
    public long DownstreamBytes => Interlocked.Read(ref _downstreamBytes);

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
            try
            {
                await server.ConnectAsync(_target, _stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                // The server is down (or the proxy stopping): the client is refused too, by a closed connection.
                server.Dispose();
                client.Dispose();
                continue;
            }
            long? cutAfter = null;
            if (CutsRemaining > 0)
            {
                CutsRemaining--;
                cutAfter = _random.Next(1, MaxBytesBeforeCut);
            }

            lock (_pumps)
            {
                _pumps.Add(PumpAsync(client, server, cutAfter, (IPEndPoint)client.RemoteEndPoint!));
            }
        }
    }

    private async Task PumpAsync(Socket client, Socket server, long? cutAfter, IPEndPoint from)
    {
        using (client)
        using (server)
        using (var connection = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            var upstream = CopyAsync(client, server, damage: false, null, from, connection);
            var downstream = CopyAsync(server, client, damage: true, cutAfter, from, connection);
            await Task.WhenAny(upstream, downstream);
            await connection.CancelAsync();
            await Task.WhenAll(upstream, downstream).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task CopyAsync(Socket from, Socket to, bool damage, long? cutAfter, IPEndPoint client, CancellationTokenSource connection)
    {
        var buffer = new byte[16 << 10];
        long sent = 0;
        try
        {
            while (true)
            {
                await WhilePartitionedAsync(client, connection.Token);
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

                await WhilePartitionedAsync(client, connection.Token); // what was read as the partition began is held too
                await to.SendAsync(buffer.AsMemory(0, read), connection.Token);
                sent += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task WhilePartitionedAsync(IPEndPoint client, CancellationToken cancellationToken)
    {
        while (_partition is { } partition && partition.Applies(client))
        {
            await partition.Healed.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>One partition: whom it cuts off (asked once per connection), and its end.</summary>
    private sealed class Partitioned(Func<IPEndPoint, bool> isCutOff)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<IPEndPoint, bool> _decided = new();

        public TaskCompletionSource Healed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Applies(IPEndPoint client) => _decided.GetOrAdd(client, isCutOff);
    }
}
