using System.Net.Sockets;

namespace OrleansRepl.Core.Replication.Streaming.Feeder;

/// <summary>
/// Accepts until stopped. A failed accept (out of file descriptors, a connection reset before it was taken) leaves
/// the listener usable: it is reported, and accepting resumes after a pause that doubles while failures continue
/// (<see cref="FirstPause"/> up to <see cref="LongestPause"/>), so a node never silently stops serving.
/// </summary>
internal static class AcceptLoop
{
    public static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(50);

    public static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(2);

    /// <param name="accept">Takes the next connection.</param>
    /// <param name="accepted">Is handed each connection taken.</param>
    /// <param name="failed">Hears each failed accept and the pause before the next.</param>
    /// <param name="stopping">Ends the loop; so does a disposed listener.</param>
    public static async Task RunAsync(Func<CancellationToken, ValueTask<Socket>> accept, Action<Socket> accepted, Action<SocketException, TimeSpan> failed, CancellationToken stopping)
    {
        var pause = TimeSpan.Zero;
        while (!stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await accept(stopping);
                pause = TimeSpan.Zero;
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || stopping.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException e)
            {
                pause = pause == TimeSpan.Zero ? FirstPause : TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
                failed(e, pause);
                try
                {
                    await Task.Delay(pause, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            accepted(socket);
        }
    }
}
