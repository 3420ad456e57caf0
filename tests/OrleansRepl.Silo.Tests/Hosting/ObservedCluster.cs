using System.Text;

namespace OrleansRepl.Silo.Tests.Hosting;

/// <summary>
/// One cluster the observability tests share (starting silos is what these tests cost): nodes 1 and 2 in the replica
/// set, node 1 leading; node 3's silo up but never added; the dashboard on; metrics pushed over OTLP every second to
/// a loopback <see cref="OtlpCollector"/>. The tests of its collection run one at a time; each leaves it as it found it.
/// </summary>
public sealed class ObservedCluster : IAsyncLifetime
{
    public const string Collection = "observed cluster";

    public OtlpCollector Collector { get; } = new();

    internal Cluster.TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = new Cluster.TestCluster(null, "obs", settings: new Dictionary<string, string>
        {
            ["Silo:Dashboard"] = "true",
            ["Telemetry:OtlpEndpoint"] = Collector.Address.ToString(),
            ["Telemetry:OtlpExportSeconds"] = "1",
        });
        await Cluster.StartAsync(1);
        await Cluster.AddAsync(1);
        await Cluster.StartAsync(2);
        await Cluster.AddAsync(2);
        await Cluster.StartAsync(3);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Collector.Dispose();
    }

    /// <summary>Writes <paramref name="count"/> records with acks=1, so node 2 holds them when this returns.</summary>
    public Task WriteAsync(string prefix, int count) =>
        Cluster.Client.LoadAsync(Enumerable.Range(0, count).Select(i => KeyValuePair.Create($"{prefix}{i}", Encoding.UTF8.GetBytes("value"))), acks: 1);
}

[CollectionDefinition(ObservedCluster.Collection)]
public sealed class ObservedClusterCollection : ICollectionFixture<ObservedCluster>;
