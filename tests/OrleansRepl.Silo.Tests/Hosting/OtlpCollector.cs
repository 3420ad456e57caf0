using System.Net;
using System.Text;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Hosting;

/// <summary>An OTLP/HTTP receiver on a loopback port: keeps every body posted to <c>/v1/metrics</c>.</summary>
public sealed class OtlpCollector : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<byte[]> _bodies = [];
    private readonly Task _serving;

    public OtlpCollector()
    {
        Address = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/");
        _listener.Prefixes.Add(Address.ToString());
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public Uri Address { get; }

    /// <summary>Whether a body received so far holds <paramref name="name"/> (protobuf carries names as plain UTF-8).</summary>
    public bool Received(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        lock (_bodies)
        {
            return _bodies.Any(b => b.AsSpan().IndexOf(bytes) >= 0);
        }
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // the listener closing ends the loop with an exception
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/metrics")
            {
                lock (_bodies)
                {
                    _bodies.Add(body.ToArray());
                }
            }

            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
