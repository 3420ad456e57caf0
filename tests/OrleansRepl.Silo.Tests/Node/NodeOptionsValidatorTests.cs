using Microsoft.Extensions.Configuration;
using OrleansRepl.Silo.Node;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Node;

/// <summary>Start-up validation of the "Replication" section: every problem is named with its key.</summary>
public sealed class NodeOptionsValidatorTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public void GoodSettings_Pass()
    {
        var options = new NodeOptions { SecretFile = _directory.Write("secret", new string('s', 40)) };
        Assert.True(new NodeOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void EveryBadSetting_IsNamed_AtOnce()
    {
        var options = new NodeOptions
        {
            SecretFile = _directory.Write("short", "too short"),
            ShardCount = 0,
            Fsync = "sometimes",
            ReplicaSet = "a/b",
            SegmentRollBytes = 10,
            TopologyPollSeconds = 0,
        };
        var failures = new NodeOptionsValidator().Validate(null, options).Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("Replication:SecretFile", StringComparison.Ordinal) && f.Contains("holds 9 bytes; at least 32", StringComparison.Ordinal));
        Assert.Contains("Replication:ShardCount must be 1-1024, got 0", failures);
        Assert.Contains("Replication:Fsync must be \"always\", \"interval\" or \"never\", got \"sometimes\"", failures);
        Assert.Contains("Replication:ReplicaSet must be 1-128 characters without '/', got \"a/b\"", failures);
        Assert.Contains("Replication:SegmentRollBytes must be at least 4096, got 10", failures);
        Assert.Contains("Replication:TopologyPollSeconds must be positive, got 0", failures);
        Assert.Contains("Replication:SecretFile names no file: /no/such/file", new NodeOptionsValidator().Validate(null, new NodeOptions { SecretFile = "/no/such/file" }).Failures!);
    }

    [Fact]
    public void TheWorkersSettings_AreBoundFromTheirSections_AndCheckedUnderTheirKeys()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Replication:SecretFile"] = _directory.Write("secret", new string('s', 40)),
            ["Replication:Streaming:MaxBatchBytes"] = "10",
            ["Replication:Streaming:HeartbeatInterval"] = "00:00:02",
            ["Replication:AntiEntropy:RequestTimeout"] = "00:00:00",
            ["Replication:Bootstrap:MaxAttempts"] = "0",
            ["Replication:Snapshots:PieceBytes"] = "100",
            ["Replication:MaxValueBytes"] = "20000000",
        }).Build();
        var options = configuration.GetSection(NodeOptions.Section).Get<NodeOptions>()!;
        Assert.Equal(TimeSpan.FromSeconds(2), options.Streaming.HeartbeatInterval);
        Assert.Equal(8192, options.Streaming.MaxBatchRecords); // what the section leaves out keeps its default

        var failures = new NodeOptionsValidator().Validate(null, options).Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("Replication:Streaming:MaxBatchBytes must be at least 4096", StringComparison.Ordinal));
        Assert.Contains("Replication:AntiEntropy:RequestTimeout must be positive, got 00:00:00", failures);
        Assert.Contains("Replication:Bootstrap:MaxAttempts must be at least 1, got 0", failures);
        Assert.Contains("Replication:Snapshots:PieceBytes must be between 4096 and 8388608, got 100", failures);
        Assert.Contains(failures, f => f.StartsWith("Replication:Streaming:MaxFrameLength is 16777216, but a record with the largest key and a value of MaxValueBytes (20000000) needs a frame of 20065591", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDefaults_FitEveryRecordInOneFrame() =>
        Assert.True(new NodeOptionsValidator().Validate(null, new NodeOptions { SecretFile = _directory.Write("secret2", new string('s', 40)) }).Succeeded);

    public void Dispose() => _directory.Dispose();
}
