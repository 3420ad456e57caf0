using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OrleansRepl.Hosting.Gateway;
using OrleansRepl.Hosting.Membership;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.Hosting.Placement;
using OrleansRepl.Hosting.Runtime;

namespace OrleansRepl.Hosting.Silo;

/// <summary>Turning a web application into a silo: <c>builder.AddReplicationSilo(); … app.MapReplicationSilo();</c></summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds the grain runtime, its storage and membership, the gateway's Kestrel endpoint and the silo's lifetime.
    /// Options come from the "Silo" section (then <paramref name="configure"/>) and are validated at start-up.
    /// </summary>
    public static WebApplicationBuilder AddReplicationSilo(this WebApplicationBuilder builder, Action<SiloOptions>? configure = null, Action<GrainHostOptions>? grains = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var silo = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        configure?.Invoke(silo);
        silo.SiloId = silo.SiloId.Length > 0 ? silo.SiloId : $"{silo.NodeId}-{Guid.NewGuid():N}"[..Math.Min(64, silo.NodeId.Length + 33)];
        silo.GatewayPort = silo.GatewayPort != 0 ? silo.GatewayPort : FreePort();
        if (new SiloOptionsValidator().Validate(null, silo) is { Failed: true } invalid)
        {
            throw new OptionsValidationException(SiloOptions.Section, typeof(SiloOptions), invalid.Failures);
        }

        builder.Services.AddSingleton(Options.Create(silo));
        builder.Services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        builder.WebHost.UseUrls($"http://{silo.Host}:{silo.GatewayPort}");

        IGrainStorage storage;
        IMembershipTable membership;
        if (silo.Storage == "postgres")
        {
            var dataSource = NpgsqlDataSource.Create(silo.PostgresConnectionString);
            builder.Services.AddSingleton(dataSource);
            (storage, membership) = (new PostgresGrainStorage(dataSource), new PostgresMembershipTable(dataSource));
        }
        else
        {
            var sqlite = new SqliteGrainStorage(silo.SqlitePath);
            (storage, membership) = (sqlite, new SqliteMembershipTable(sqlite));
        }

        builder.Services.AddSingleton(membership);
        builder.Services.AddSingleton<IRemoteGrainInvoker>(new MembershipGrainInvoker(membership, silo.ResolveToken(), new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        builder.Services.AddGrainHost(storage, options =>
        {
            options.LocalNode = silo.NodeId;
            options.HomeNode = silo.HomeNode.Length > 0 ? silo.HomeNode : null;
            options.IdleAge = TimeSpan.FromSeconds(silo.IdleAgeSeconds);
            grains?.Invoke(options);
        });
        builder.Services.AddHostedService<SiloLifetime>();
        return builder;
    }

    /// <summary>Maps the gateway with the silo's token.</summary>
    public static WebApplication MapReplicationSilo(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGrainGateway(app.Services.GetRequiredService<IOptions<SiloOptions>>().Value.ResolveToken());
        return app;
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
