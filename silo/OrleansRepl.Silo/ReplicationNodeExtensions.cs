using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using OrleansRepl.Core.Hashing;
using System.Net;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Security;
using OrleansRepl.Core.Storage;
using OrleansRepl.Silo.Data;
using OrleansRepl.Silo.Hosting;
using OrleansRepl.Silo.Node;
using OrleansRepl.Silo.Pages;
using OrleansRepl.Silo.Workers;

namespace OrleansRepl.Silo;

/// <summary>Turning a web application into a replication node: the Orleans silo, the store, the workers, the key-value API and the dashboard.</summary>
public static class ReplicationNodeExtensions
{
    /// <summary>
    /// Adds the Orleans silo and the replication node on it. The "Silo" and "Replication" sections are validated
    /// here, before anything starts; every problem of both is reported at once, each naming its key.
    /// </summary>
    public static WebApplicationBuilder AddReplicationNode(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var silo = builder.Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        var options = builder.Configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
        var problems = new List<string>();
        if (new SiloHostOptionsValidator().Validate(null, silo) is { Failed: true } badSilo)
        {
            problems.AddRange(badSilo.Failures);
        }

        if (new NodeOptionsValidator().Validate(null, options) is { Failed: true } badNode)
        {
            problems.AddRange(badNode.Failures);
        }

        var tls = builder.Configuration.GetSection(TlsSettings.Section).Get<TlsSettings>() ?? new TlsSettings();
        problems.AddRange(tls.Problems());
        if (tls.Plaintext && IPAddress.TryParse(silo.Host, out var host) && !IPAddress.IsLoopback(host))
        {
            problems.Add($"{SiloHostOptions.Section}:{nameof(silo.Host)} must be a loopback address while {TlsSettings.Section}:{nameof(tls.Plaintext)}=true, got \"{silo.Host}\": without TLS no port authenticates its peers' transport, so none may be reachable from other machines");
        }

        var telemetry = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        problems.AddRange(telemetry.Problems());
        var identity = tls.Problems().Count == 0 && !tls.Plaintext ? LoadIdentity(tls, problems) : null;
        if (problems.Count > 0)
        {
            throw new OptionsValidationException($"{SiloHostOptions.Section}, {NodeOptions.Section}, {TlsSettings.Section}, {TelemetryOptions.Section}", typeof(NodeOptions), problems);
        }

        OrleansSiloSetup.ChoosePorts(silo);
        if (identity is null)
        {
            builder.WebHost.UseUrls($"http://{silo.Host}:{silo.HttpPort}");
        }
        else
        {
            // HTTPS for the key-value API and the dashboard, the certificate chosen per connection so a rotation is used.
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(silo.Host), silo.HttpPort,
                listen => listen.UseHttps(https => https.ServerCertificateSelector = (_, _) => identity.Certificate)));
        }

        builder.Services.AddSingleton(Options.Create(silo));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(silo.ShutdownSeconds));
        builder.Services.AddSingleton(Options.Create(options));

        // The silo first: hosted services start in order, so the workers below start once the silo has joined and
        // stop (saving every cursor through their grains) before it leaves.
        builder.UseReplicationSilo(silo, options.Cluster, new NodeStateFile(Path.Combine(Path.GetFullPath(options.DataDirectory), "grains.db")), identity);
        builder.Services.AddAuthentication(DashboardAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, DashboardAuthentication>(DashboardAuthentication.SchemeName, null);
        builder.Services.AddAuthorization(o => o.AddPolicy(DashboardAuthentication.Policy, policy => policy.AddAuthenticationSchemes(DashboardAuthentication.SchemeName).RequireAuthenticatedUser()));
        builder.Services.AddNodeHealth();
        builder.Services.AddSingleton(Options.Create(telemetry));
        builder.Services.AddNodeTelemetry(telemetry, silo.NodeId);

        var store = new StoreOptions
        {
            ShardCount = options.ShardCount,
            Fsync = options.FsyncMode,
            SegmentRollBytes = options.SegmentRollBytes,
            NodeOrigin = OriginOf(silo.NodeId),
            MaxValueBytes = options.MaxValueBytes,
            MaxClockSkew = TimeSpan.FromSeconds(options.MaxClockSkewSeconds),
            ShardReopenDelay = TimeSpan.FromSeconds(options.ShardReopenSeconds),
        };
        var credentials = new NodeCredentials(options.Cluster, silo.NodeId, ClusterSecret.Load(options.SecretFile)) { Tls = identity };
        builder.Services.AddSingleton(new LocalNode(silo.NodeId, credentials, store, options.StoreDirectory));
        builder.Services.AddSingleton<OrleansRepl.Placement.ILeadershipView, NodeLeadershipView>();
        builder.Services.AddSingleton<ReplicationSupervisor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicationSupervisor>());
        builder.Services.AddHostedService<LeaseKeeper>();
        builder.Services.AddHostedService<ParentProcessWatch>();
        return builder;
    }

    /// <summary>Maps the key-value API (behind the bearer token), the health endpoints (open), <c>/metrics</c> and the Orleans Dashboard at <c>/dashboard</c> (behind Basic authentication).</summary>
    public static WebApplication MapReplicationNode(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAuthentication();
        app.UseAuthorization();
        var silo = app.Services.GetRequiredService<IOptions<SiloHostOptions>>().Value;
        app.MapKeyValue(silo.ResolveToken(), app.Services.GetRequiredService<IOptions<NodeOptions>>().Value.KeyValue);
        app.MapNodeHealth();
        app.MapNodeMetrics(app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value);
        app.MapReplicationPage();
        if (silo.Dashboard)
        {
            app.UseDashboardLink("/dashboard");
            app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(DashboardAuthentication.Policy);
        }
        return app;
    }

    /// <summary>The node's TLS identity, or null with the reason added to <paramref name="problems"/>.</summary>
    private static TlsIdentity? LoadIdentity(TlsSettings tls, List<string> problems)
    {
        try
        {
            return TlsIdentity.Load(tls, serves: true);
        }
        catch (TlsConfigurationException e)
        {
            problems.Add($"{TlsSettings.Section}: {e.Message}");
            return null;
        }
    }

    /// <summary>A node's origin in record versions: stable per node id, never zero.</summary>
    private static ulong OriginOf(string nodeId)
    {
        Span<byte> hash = stackalloc byte[Blake3Hash.Size];
        Blake3Hasher.Hash(System.Text.Encoding.UTF8.GetBytes(nodeId)).CopyTo(hash);
        return Math.Max(1, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash));
    }
}
