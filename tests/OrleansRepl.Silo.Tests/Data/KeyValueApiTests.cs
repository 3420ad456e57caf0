using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Silo.Tests.Cluster;

namespace OrleansRepl.Silo.Tests.Data;

/// <summary>The key-value API of a real silo: keys of any bytes arrive as sent, and batches are capped in size and in number at once.</summary>
public sealed class KeyValueApiTests
{
    [Fact]
    public async Task KeysOfAnyBytes_RoundTrip_AndBatchesAreCappedInEntriesAndConcurrency()
    {
        await using var cluster = new TestCluster(null, "kv", settings: new Dictionary<string, string>
        {
            ["Replication:KeyValue:MaxBatchOperations"] = "1000",
            ["Replication:KeyValue:MaxConcurrentBatches"] = "1",
        });
        await cluster.StartAsync(1);
        await cluster.AddAsync(1);

        // Keys that a decoded route value would merge or mangle: each is its own key, stored as its exact bytes.
        byte[][] keys =
        [
            "a/b"u8.ToArray(), "a%2Fb"u8.ToArray(), "a%252Fb"u8.ToArray(), "."u8.ToArray(), ".."u8.ToArray(), "a b+c?d&key=e#f"u8.ToArray(),
            [0], [0xff, 0xfe], Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), "ключ"u8.ToArray(),
        ];
        for (var i = 0; i < keys.Length; i++)
        {
            await cluster.Client.PutAsync(keys[i], Encoding.UTF8.GetBytes($"value {i}"));
        }

        for (var i = 0; i < keys.Length; i++)
        {
            Assert.Equal($"value {i}", Encoding.UTF8.GetString(await cluster.Client.GetAsync(keys[i]) ?? []));
            Assert.Equal($"value {i}", Encoding.UTF8.GetString(await cluster.Client.GetAsync(keys[i], cluster.Node(1)) ?? []));
        }

        // The path form, as curl sends it, names the same bytes.
        Assert.Equal("value 0", await GetTextAsync(cluster, "kv/a%2Fb"));
        Assert.Equal("value 1", await GetTextAsync(cluster, "kv/a%252Fb"));
        var malformed = await RawGetAsync(cluster, "/kv/a%zz"); // sent as typed: HttpClient would escape the '%'
        Assert.StartsWith("HTTP/1.1 400", malformed, StringComparison.Ordinal);
        Assert.Contains("'%' at character 1 is not followed by two hex digits", malformed, StringComparison.Ordinal);

        // A batch of more entries than the node takes is refused whole, before any is written.
        using (var tooMany = await PostAsync(cluster, Batch(1001, "many")))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooMany.StatusCode);
            Assert.Contains("more than 1000 entries", await tooMany.Content.ReadAsStringAsync());
        }

        Assert.Null(await cluster.Client.GetAsync("many-0"));

        // One batch at a time here: a second, while the first is still being received, is told to come back.
        var first = Batch(1000, "first");
        var held = new HeldContent(first, first.Length / 2);
        var firstResponse = SendHeldAsync(cluster, held);
        await held.Started.Task.WaitAsync(TestCluster.Patience);
        // The client has sent half the body; the node takes the batch's slot once it has read the headers, which on a
        // loaded machine can be a while later. The first batch must still be open when the second is refused.
        HttpResponseMessage? busy = null;
        var waiting = Stopwatch.StartNew();
        while (busy is null && !firstResponse.IsCompleted && waiting.Elapsed < TestCluster.Patience)
        {
            var second = await PostAsync(cluster, Batch(10, "second"));
            if (second.StatusCode == HttpStatusCode.TooManyRequests)
            {
                busy = second;
            }
            else
            {
                second.Dispose();
                await Task.Delay(50);
            }
        }

        if (firstResponse.IsCompleted)
        {
            using var early = await firstResponse;
            Assert.Fail($"the held batch was answered {(int)early.StatusCode} before its body was all sent: {await early.Content.ReadAsStringAsync()}");
        }

        Assert.NotNull(busy);
        using (busy)
        {
            Assert.Equal(TimeSpan.FromSeconds(1), busy.Headers.RetryAfter?.Delta);
            Assert.Contains("TooManyBatches", await busy.Content.ReadAsStringAsync());
        }

        held.Release.SetResult();
        using (var done = await firstResponse.WaitAsync(TestCluster.Patience))
        {
            Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
        }

        Assert.Equal("first-999", Encoding.UTF8.GetString(await cluster.Client.GetAsync("first-999") ?? []));
        using (var again = await PostAsync(cluster, Batch(10, "second")))
        {
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }
    }

    private static byte[] Batch(int entries, string prefix)
    {
        using var body = new MemoryStream();
        for (var i = 0; i < entries; i++)
        {
            var key = Encoding.UTF8.GetBytes($"{prefix}-{i}");
            KeyValueBatch.Write(body, key, key);
        }

        return body.ToArray();
    }

    private static async Task<string> GetTextAsync(TestCluster cluster, string relative)
    {
        using var response = await SendAsync(cluster, HttpMethod.Get, relative);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(TestCluster cluster, HttpMethod method, string relative, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, new Uri(cluster.Api(1), relative)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(cluster.TokenFile).Trim());
        return cluster.Http.SendAsync(request);
    }

    /// <summary>A GET of <paramref name="target"/> exactly as given, on a TLS connection of its own; the whole response as text.</summary>
    private static async Task<string> RawGetAsync(TestCluster cluster, string target)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(cluster.Api(1).Host, cluster.Api(1).Port);
        await using var stream = new System.Net.Security.SslStream(client.GetStream());
        await stream.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => cluster.ClientTls.CheckServer(certificate) is null,
        });
        var token = (await File.ReadAllTextAsync(cluster.TokenFile)).Trim();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {cluster.Api(1).Authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return await reader.ReadToEndAsync().WaitAsync(TestCluster.Patience);
    }

    private static Task<HttpResponseMessage> PostAsync(TestCluster cluster, byte[] body) =>
        SendAsync(cluster, HttpMethod.Post, "kv", new ByteArrayContent(body));

    private static async Task<HttpResponseMessage> SendHeldAsync(TestCluster cluster, HeldContent content)
    {
        using var http = cluster.NewHttpClient(); // its own connection: the held body must not block the other requests
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(cluster.Api(1), "kv")) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(cluster.TokenFile)).Trim());
        return await http.SendAsync(request);
    }

    /// <summary>A body sent in two parts: the first at once, the rest only when <see cref="Release"/> is set.</summary>
    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] _body;
        private readonly int _first;

        public HeldContent(byte[] body, int first)
        {
            (_body, _first) = (body, first);
            Headers.ContentLength = body.Length;
        }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_body.AsMemory(0, _first));
            await stream.FlushAsync();
            Started.SetResult();
            await Release.Task;
            await stream.WriteAsync(_body.AsMemory(_first));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _body.Length;
            return true;
        }
    }
}
