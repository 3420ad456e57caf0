using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using OrleansRepl.Client;
using OrleansRepl.Client.Cluster;

namespace OrleansRepl.Silo.Demo;

/// <summary>
/// The demo's silos on loopback: one work directory with the shared SQLite file, the node-to-node secret and
/// the gateway token (both random, mode 600), and a data directory and log per node. Disposing stops every silo.
/// </summary>
internal sealed class DemoCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly Dictionary<string, (int Gateway, int Replication)> _ports = [];
    private readonly SiloLauncher _launcher;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly string _secretFile;
    private readonly string _tokenFile;

    /// <summary>
    /// A cluster in <paramref name="workDirectory"/>; <paramref name="settings"/> add to or override each silo's
    /// (a PostgreSQL connection, say), and <paramref name="launcher"/> starts them (this executable by default).
    /// </summary>
    public DemoCluster(string workDirectory, long segmentRollBytes, SiloLauncher? launcher = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        WorkDirectory = Directory.CreateDirectory(workDirectory).FullName;
        SegmentRollBytes = segmentRollBytes;
        _launcher = launcher ?? SiloLauncher.Self();
        _settings = settings ?? new Dictionary<string, string>();
        _secretFile = WriteSecret("cluster.secret", Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)));
        _tokenFile = WriteSecret("gateway.token", Convert.ToHexString(RandomNumberGenerator.GetBytes(24)));
    }

    public string WorkDirectory { get; }

    public long SegmentRollBytes { get; }

    public string TokenFile => _tokenFile;

    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>Starts node <paramref name="node"/> (again on the same ports, if it ran before) and waits until its gateway answers.</summary>
    public async Task<SiloProcess> StartAsync(string node, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_ports.TryGetValue(node, out var ports))
        {
            _ports[node] = ports = (FreePort(), FreePort());
        }

        var (gateway, replication) = ports;
        var settings = new Dictionary<string, string>
        {
            ["Silo:NodeId"] = node,
            ["Silo:HomeNode"] = "n1",
            ["Silo:GatewayPort"] = gateway.ToString(CultureInfo.InvariantCulture),
            ["Silo:ReplicationPort"] = replication.ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayTokenFile"] = _tokenFile,
            ["Silo:SqlitePath"] = Path.Combine(WorkDirectory, "cluster.db"),
            ["Replication:DataDirectory"] = Path.Combine(WorkDirectory, node),
            ["Replication:SecretFile"] = _secretFile,
            ["Replication:SegmentRollBytes"] = SegmentRollBytes.ToString(CultureInfo.InvariantCulture),
            [Node.ParentProcessWatch.Key] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in _settings)
        {
            settings[key] = value;
        }

        var silo = SiloProcess.Start(_launcher, node, WorkDirectory, gateway, replication, settings);
        _silos.Add(silo);
        using var client = Client(silo.Gateway);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (silo.HasExited)
            {
                await silo.LogCompleteAsync();
                var tail = File.ReadLines(silo.Log).TakeLast(5);
                throw new InvalidOperationException($"silo {node} exited at start-up; the end of {silo.Log}: {string.Join(" | ", tail)}");
            }

            try
            {
                if ((await client.GetMembersAsync(cancellationToken)).Any(m => m.NodeId == node && m.IsLive))
                {
                    return silo;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"silo {node} did not answer on {silo.Gateway} within {timeout.TotalSeconds} s; see {silo.Log}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>A cluster client through <paramref name="gateway"/>.</summary>
    public ClusterClient Connect(Uri gateway, string replicaSet = "main") => new(Options(gateway), replicaSet);

    /// <summary>The running silo of <paramref name="node"/>.</summary>
    public SiloProcess Silo(string node) => _silos.Last(s => s.Node == node);

    /// <summary>Stops every silo gracefully; the number that needed a kill is returned.</summary>
    public async Task<int> StopAllAsync()
    {
        var stops = _silos.Where(s => !s.HasExited).Select(s => s.StopAsync(TimeSpan.FromSeconds(15))).ToList();
        var graceful = await Task.WhenAll(stops);
        return graceful.Count(g => !g);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }

    private GrainClient Client(Uri gateway) => new(Options(gateway));

    private GrainClientOptions Options(Uri gateway) => new() { Gateways = [gateway], Token = File.ReadAllText(_tokenFile).Trim() };

    private string WriteSecret(string name, string content)
    {
        var path = Path.Combine(WorkDirectory, name);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return path;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
