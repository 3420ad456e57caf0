using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;

namespace OrleansRepl.Client;

/// <summary>
/// Typed grain references over the gateways' HTTP API: <c>client.GetGrain&lt;IShardGrain&gt;("node-b/3").GetStatusAsync()</c>.
/// A gateway that cannot be reached is skipped for the next, with a short growing backoff, a bounded number of times;
/// a failure the silo reports becomes a <see cref="GrainCallException"/> carrying its message.
/// </summary>
public sealed class GrainClient : IGrainFactory, IDisposable
{
    private readonly HttpClient _http;
    private readonly GrainClientOptions _options;
    private IReadOnlyList<Uri> _gateways;
    private int _preferred;

    public GrainClient(GrainClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        _options = options;
        _gateways = options.Gateways;
        _http = new HttpClient { Timeout = options.CallTimeout };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.Token);
        if (options.Forwarding)
        {
            _http.DefaultRequestHeaders.Add(ForwardedHeader, "1");
        }
    }

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return ClientGrainProxy.Create<TGrainInterface>(this, key);
    }

    /// <summary>The gateways calls go to: those configured, plus every live silo's learned from the membership.</summary>
    public IReadOnlyList<Uri> Gateways => Volatile.Read(ref _gateways);

    /// <summary>
    /// Reads the membership from the first gateway that answers and adds every live silo's gateway, so calls can
    /// fail over to silos the client was not told about. Returns the gateways now known.
    /// </summary>
    public async Task<IReadOnlyList<Uri>> RefreshGatewaysAsync(CancellationToken cancellationToken = default)
    {
        var silos = await GetMembersAsync(cancellationToken);
        var known = Gateways.Concat(silos.Where(s => s.IsLive).Select(s => s.Gateway)).Distinct().ToList();
        Volatile.Write(ref _gateways, known);
        return known;
    }

    /// <summary>The cluster's silos as the first gateway that answers lists them.</summary>
    public async Task<IReadOnlyList<SiloMember>> GetMembersAsync(CancellationToken cancellationToken = default)
    {
        foreach (var gateway in Gateways)
        {
            try
            {
                return await _http.GetFromJsonAsync<List<SiloMember>>(new Uri(gateway, "membership"), _options.Json, cancellationToken) ?? [];
            }
            catch (HttpRequestException)
            {
                // that gateway is down; ask the next
            }
        }

        throw new HttpRequestException($"no gateway answered for the membership ({string.Join(", ", Gateways)})");
    }

    /// <summary>The HTTP client the calls use: its bearer token set, for the gateway's other endpoints.</summary>
    public HttpClient Http => _http;

    public void Dispose() => _http.Dispose();

    /// <summary>Header a silo sets when it forwards a call to the grain's own node; that silo never forwards it again.</summary>
    public const string ForwardedHeader = "X-Orepl-Forwarded";

    /// <summary>Calls <paramref name="method"/> of <paramref name="grainInterface"/> on the grain <paramref name="key"/> (what the typed references do).</summary>
    public async Task<object?> InvokeAsync(Type grainInterface, string key, MethodInfo method, object?[] arguments)
    {
        ArgumentNullException.ThrowIfNull(grainInterface);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(arguments);
        var path = $"grains/{Uri.EscapeDataString(grainInterface.FullName!)}/{Uri.EscapeDataString(method.Name)}?key={Uri.EscapeDataString(key)}";
        var body = JsonSerializer.SerializeToUtf8Bytes(arguments.Select((a, i) => JsonSerializer.SerializeToElement(a, method.GetParameters()[i].ParameterType, _options.Json)).ToArray(), _options.Json);
        for (var attempt = 1; ; attempt++)
        {
            var gateways = Gateways;
            var gateway = gateways[(int)((uint)Volatile.Read(ref _preferred) % (uint)gateways.Count)];
            HttpResponseMessage response;
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                response = await _http.PostAsync(new Uri(gateway, path), content);
            }
            catch (HttpRequestException) when (attempt < _options.MaxAttempts)
            {
                Interlocked.Increment(ref _preferred); // that gateway is unreachable: try the next
                await Task.Delay(_options.BackoffBase * attempt);
                continue;
            }
            catch (HttpRequestException e)
            {
                throw new HttpRequestException($"no gateway answered {grainInterface.Name}.{method.Name} for {key} after {attempt} attempts (last: {gateway}): {e.Message}", e);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    var problem = await ReadProblemAsync(response);
                    throw new GrainCallException((int)response.StatusCode, problem.Type, problem.Detail, problem.Grain ?? $"{grainInterface.Name}/{key}", problem.Method ?? method.Name);
                }

                var resultType = method.ReturnType.IsGenericType ? method.ReturnType.GetGenericArguments()[0] : null;
                return resultType is null ? null : await response.Content.ReadFromJsonAsync(resultType, _options.Json);
            }
        }
    }

    private static async Task<(string Type, string Detail, string? Grain, string? Method)> ReadProblemAsync(HttpResponseMessage response)
    {
        try
        {
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = problem.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            return (Text("type") ?? response.StatusCode.ToString(), Text("detail") ?? Text("title") ?? "", Text("grain"), Text("method"));
        }
        catch (JsonException)
        {
            return (response.StatusCode.ToString(), response.ReasonPhrase ?? "", null, null);
        }
    }

}
