using System.Text.Json;
using Microsoft.Extensions.Options;
using OrleansRepl.Core.Hashing;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;
using OrleansRepl.Grains;
using OrleansRepl.Grains.Bootstrap;
using OrleansRepl.Grains.Peers;
using OrleansRepl.Grains.Shards;
using OrleansRepl.Grains.Topology;
using OrleansRepl.Hosting;
using OrleansRepl.Hosting.Silo;
using OrleansRepl.Silo.Data;
using OrleansRepl.Silo.Node;
using OrleansRepl.Silo.Workers;

namespace OrleansRepl.Silo;

/// <summary>Turning a silo into a replication node: the grains, the store, the workers and the key-value API.</summary>
public static class ReplicationNodeExtensions
{
    /// <summary>
    /// Adds the silo (see <see cref="SiloBuilderExtensions.AddReplicationSilo"/>) and the replication node on it.
    /// The "Silo" and "Replication" sections are validated here, before anything starts; every problem of both is
    /// reported at once, each naming its key.
    /// </summary>
    public static WebApplicationBuilder AddReplicationNode(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        SiloOptions? bound = null;
        var problems = new List<string>();
        try
        {
            builder.AddReplicationSilo(configure: s => bound = s, grains: o => o.StateJson = new JsonSerializerOptions { TypeInfoResolver = GrainStateJson.Default });
        }
        catch (OptionsValidationException e)
        {
            problems.AddRange(e.Failures); // reported with the Replication section's, all at once
        }

        var silo = bound!; // the same instance the silo completed and validated
        var options = builder.Configuration.GetSection(NodeOptions.Section).Get<NodeOptions>() ?? new NodeOptions();
        if (new NodeOptionsValidator().Validate(null, options) is { Failed: true } invalid)
        {
            problems.AddRange(invalid.Failures);
        }

        if (silo.ReplicationPort == 0)
        {
            problems.Add($"{SiloOptions.Section}:{nameof(SiloOptions.ReplicationPort)} must be set: the topology names every node's feeder by it");
        }

        if (problems.Count > 0)
        {
            throw new OptionsValidationException($"{SiloOptions.Section}, {NodeOptions.Section}", typeof(NodeOptions), problems);
        }

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
        var credentials = new NodeCredentials(options.Cluster, silo.NodeId, ClusterSecret.Load(options.SecretFile));
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(new LocalNode(silo.NodeId, credentials, store, options.StoreDirectory));
        builder.Services.AddSingleton<ReplicationSupervisor>();
        builder.Services.AddSingleton<IAntiEntropyTrigger>(sp => sp.GetRequiredService<ReplicationSupervisor>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicationSupervisor>());
        builder.Services.AddHostedService<ParentProcessWatch>();
        builder.Services
            .AddGrain<IShardGrain, ShardGrain>()
            .AddGrain<IPeerGrain, PeerGrain>()
            .AddGrain<IBootstrapGrain, BootstrapGrain>()
            .AddGrain<IReplicaSetGrain, ReplicaSetGrain>()
            .AddGrain<INodeGrain, NodeGrain>();
        return builder;
    }

    /// <summary>Maps the grain gateway and the key-value API, both behind the gateway token.</summary>
    public static WebApplication MapReplicationNode(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapReplicationSilo();
        app.MapKeyValue(app.Services.GetRequiredService<IOptions<SiloOptions>>().Value.ResolveToken());
        return app;
    }

    /// <summary>A node's origin in record versions: stable per node id, never zero.</summary>
    private static ulong OriginOf(string nodeId)
    {
        Span<byte> hash = stackalloc byte[Blake3Hash.Size];
        Blake3.Hash(System.Text.Encoding.UTF8.GetBytes(nodeId)).CopyTo(hash);
        return Math.Max(1, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash));
    }
}
