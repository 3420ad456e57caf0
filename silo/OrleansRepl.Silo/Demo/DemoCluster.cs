using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using OrleansRepl.Client.Cluster;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Security;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Silo.Hosting;

namespace OrleansRepl.Silo.Demo;

/// <summary>
/// The demo's silos on loopback: one work directory with the SQLite file the silos share (membership and the
/// replica set's state), the node-to-node secret and the API token (both random, mode 600), a throwaway CA in
/// <c>tls/</c> that issues each node's certificate and the client's (TLS is on unless the settings say
/// <c>Tls:Plaintext=true</c>), and a data directory (store and the node's own grain state) and log per node.
/// Disposing stops every silo.
/// </summary>
internal sealed class DemoCluster : IAsyncDisposable
{
    private readonly List<SiloProcess> _silos = [];
    private readonly Dictionary<string, SiloPorts> _ports = [];
    private readonly SiloLauncher _launcher;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly string _secretFile;
    private readonly string _tokenFile;
    private readonly ClusterCertificateAuthority? _authority;
    private ClusterClient? _watcher;

    /// <summary>
    /// A cluster in <paramref name="workDirectory"/>; <paramref name="settings"/> add to or override each silo's
    /// (a PostgreSQL connection, say), and <paramref name="launcher"/> starts them (this executable by default).
    /// </summary>
    public DemoCluster(string workDirectory, long segmentRollBytes, SiloLauncher? launcher = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        WorkDirectory = (OperatingSystem.IsWindows() ? Directory.CreateDirectory(workDirectory) : Directory.CreateDirectory(workDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)).FullName;
        SegmentRollBytes = segmentRollBytes;
        _launcher = launcher ?? SiloLauncher.Self();
        _settings = settings ?? new Dictionary<string, string>();
        _secretFile = WriteSecret("cluster.secret", Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)));
        _tokenFile = WriteSecret("api.token", Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        if (!Plaintext)
        {
            _authority = ClusterCertificateAuthority.Create($"orepl demo CA {Path.GetFileName(WorkDirectory)}", CertificateLifetime);
            _authority.Save(Path.Combine(WorkDirectory, "tls", "ca"));
            ClientTlsDirectory = Path.Combine(WorkDirectory, "tls", "client");
            ClientTls = TlsIdentity.Load(_authority.Issue("client", ClientTlsDirectory, CertificateLifetime), serves: false);
        }
    }

    /// <summary>How long the demo's CA and certificates last: a demo is over long before.</summary>
    private static readonly TimeSpan CertificateLifetime = TimeSpan.FromDays(7);

    /// <summary>Whether the silos run without TLS (the settings say <c>Tls:Plaintext=true</c>).</summary>
    public bool Plaintext => SiloProcess.IsPlaintext(_settings);

    /// <summary>The client's TLS directory (its certificate from the demo's CA), for <c>orepl --tls</c>; null in plaintext.</summary>
    public string? ClientTlsDirectory { get; }

    /// <summary>The client's TLS identity; null in plaintext.</summary>
    public TlsIdentity? ClientTls { get; }

    /// <summary>The CA every certificate of this cluster chains to; null in plaintext.</summary>
    public string? CaFile => _authority is null ? null : Path.Combine(WorkDirectory, "tls", "ca", TlsSettings.CaFileName);

    public string WorkDirectory { get; }

    public long SegmentRollBytes { get; }

    public string TokenFile => _tokenFile;

    /// <summary>The Orleans cluster id the silos run under.</summary>
    public string Cluster => _settings.GetValueOrDefault("Replication:Cluster", "orepl");

    /// <summary>The SQLite file the silos share, when they run on the embedded default.</summary>
    public string MembershipFile => Path.Combine(WorkDirectory, "cluster.db");

    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>
    /// Starts node <paramref name="node"/> (again on the same ports, if it ran before) and waits until its workers
    /// answer through its node grain. <paramref name="nodeSettings"/> are this start's own, over the cluster's.
    /// </summary>
    public Task<SiloProcess> StartAsync(string node, TimeSpan timeout, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? nodeSettings = null) =>
        StartAsync(node, timeout, nodeSettings, attempt: 1, cancellationToken);

    private async Task<SiloProcess> StartAsync(string node, TimeSpan timeout, IReadOnlyDictionary<string, string>? nodeSettings, int attempt, CancellationToken cancellationToken)
    {
        var fresh = !_ports.ContainsKey(node);
        if (!_ports.TryGetValue(node, out var ports))
        {
            static int Free() => FreePort.On(IPAddress.Loopback);
            _ports[node] = ports = new SiloPorts(Free(), Free(), Free(), Free());
        }

        var settings = new Dictionary<string, string>
        {
            ["Silo:NodeId"] = node,
            ["Silo:SiloPort"] = ports.Silo.ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = ports.Gateway.ToString(CultureInfo.InvariantCulture),
            ["Silo:HttpPort"] = ports.Http.ToString(CultureInfo.InvariantCulture),
            ["Silo:ReplicationPort"] = ports.Replication.ToString(CultureInfo.InvariantCulture),
            ["Silo:TokenFile"] = _tokenFile,
            ["Silo:SqlitePath"] = MembershipFile,
            ["Replication:DataDirectory"] = Path.Combine(WorkDirectory, node),
            ["Replication:SecretFile"] = _secretFile,
            ["Replication:SegmentRollBytes"] = SegmentRollBytes.ToString(CultureInfo.InvariantCulture),
            [Node.ParentProcessWatch.Key] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        if (_authority is not null)
        {
            var directory = Path.Combine(WorkDirectory, "tls", node);
            if (!Directory.Exists(directory))
            {
                _authority.Issue(node, directory, CertificateLifetime);
            }

            settings["Tls:Directory"] = directory;
        }

        foreach (var (key, value) in _settings.Concat(nodeSettings ?? new Dictionary<string, string>()))
        {
            settings[key] = value;
        }

        var silo = SiloProcess.Start(_launcher, node, WorkDirectory, ports, settings);
        _silos.Add(silo);
        var deadline = DateTime.UtcNow + timeout;
        string? lastError = null;
        while (true)
        {
            if (silo.HasExited)
            {
                await silo.LogCompleteAsync();
                var log = File.ReadAllLines(silo.Log);
                if (fresh && attempt < 3 && log.Any(l => l.Contains("address already in use", StringComparison.OrdinalIgnoreCase)))
                {
                    // A port chosen free a moment ago was taken by another process before the silo bound it: choose again.
                    _silos.Remove(silo);
                    _ports.Remove(node);
                    await silo.DisposeAsync();
                    return await StartAsync(node, timeout, nodeSettings, attempt + 1, cancellationToken);
                }

                var cause = log.LastOrDefault(l => l.Contains("Exception", StringComparison.Ordinal) && !l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
                throw new InvalidOperationException($"silo {node} exited at start-up{(cause is null ? "" : $" ({cause.Trim()})")}; the end of {silo.Log}: {string.Join(" | ", log.TakeLast(5))}");
            }

            try
            {
                _watcher ??= await ConnectAsync(silo.Gateway, "main", cancellationToken);
                var live = await _watcher.LiveNodesAsync();
                if (live.Contains(node)) // only then can its node grain activate
                {
                    await _watcher.Grains.Node(node).GetStatusAsync();
                    if (await AcceptsAsync(ports.Http, cancellationToken))
                    {
                        return silo;
                    }

                    lastError = $"{node} is live, but its API port {ports.Http} does not take connections yet";
                }
                else
                {
                    lastError = $"the cluster lists live nodes {(live.Count == 0 ? "(none)" : string.Join(", ", live.Order(StringComparer.Ordinal)))}, not {node} yet";
                }
            }
            catch (Exception e) when (e is ClusterUnavailableException || ClusterClient.IsUnreachable(e, cancellationToken))
            {
                lastError = e.Message; // not up yet, or its workers have not attached yet
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"silo {node} did not answer within {timeout.TotalSeconds} s ({lastError}); see {silo.Log}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    /// <summary>Whether something on this machine takes TCP connections on <paramref name="port"/>.</summary>
    private static async Task<bool> AcceptsAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>A cluster client through the gateways of every silo started so far (<paramref name="first"/> first).</summary>
    public Task<ClusterClient> ConnectAsync(IPEndPoint first, string replicaSet = "main", CancellationToken cancellationToken = default) =>
        ConnectAsync([first, .. _ports.Values.Select(p => new IPEndPoint(IPAddress.Loopback, p.Gateway)).Where(g => !g.Equals(first))], replicaSet, cancellationToken);

    /// <summary>A client of the cluster through <paramref name="gateways"/> only.</summary>
    public Task<ClusterClient> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, string replicaSet, CancellationToken cancellationToken = default) =>
        ClusterClient.ConnectAsync(new ClusterConnection
        {
            Cluster = Cluster,
            Gateways = [.. gateways],
            Token = System.Text.Encoding.UTF8.GetString(SecretFile.Read(_tokenFile, "API token")).Trim(),
            ReplicaSet = replicaSet,
            Tls = ClientTls,
            Plaintext = ClientTls is null,
        }, cancellationToken);

    /// <summary>The running silo of <paramref name="node"/>.</summary>
    public SiloProcess Silo(string node) => _silos.Last(s => s.Node == node);

    /// <summary>
    /// Stops every silo gracefully, one at a time, newest first (as a rolling stop would: each leaves a cluster whose
    /// other members are up); the number that did not stop cleanly (killed after the grace period, or a non-zero exit) is returned.
    /// </summary>
    public async Task<int> StopAllAsync()
    {
        var unclean = 0;
        foreach (var silo in _silos.Where(s => !s.HasExited).Reverse().ToList())
        {
            unclean += await silo.StopAsync(TimeSpan.FromSeconds(20)) ? 0 : 1;
        }

        return unclean;
    }

    public async ValueTask DisposeAsync()
    {
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        _authority?.Dispose();
    }

    /// <summary>A new file readable by its owner only from the moment it exists.</summary>
    private string WriteSecret(string name, string content)
    {
        var path = Path.Combine(WorkDirectory, name);
        SecretFile.Create(path, System.Text.Encoding.UTF8.GetBytes(content));
        return path;
    }
}
