using Microsoft.Extensions.Configuration;
using OrleansRepl.Silo.Node;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Node;

/// <summary>Start-up validation of the "Replication" section: every problem is named with its key.</summary>
public sealed class NodeOptionsValidatorTests : IDisposable
{
    private const string GoodSecret = "K7f2Qx9LmZ3vB8nR1tYw5cHj0pDs6gUe4aXo"; // 36 bytes, about 190 bits by byte frequency
    private readonly TempDirectory _directory = new();

    [Fact]
    public void ASecretFileOthersMayRead_OrThatIsShortOrRepetitive_IsRefused_NamingWhy()
    {
        string Problem(string path) => Assert.Single(new NodeOptionsValidator().Validate(null, new NodeOptions { SecretFile = path }).Failures!);

        Assert.Matches(@"^Replication:SecretFile the cluster secret file .+/open may be read by others \(mode 644\); make it readable by its owner only \(chmod 600\)$", Problem(_directory.Write("open", GoodSecret)));
        Assert.EndsWith("holds 9 bytes; at least 32 are required", Problem(_directory.WriteSecret("short", "too short")), StringComparison.Ordinal);
        Assert.EndsWith("holds about 0 bits of entropy, fewer than 128: generate it from a random source (head -c 48 /dev/urandom | base64)", Problem(_directory.WriteSecret("same", new string('s', 40))), StringComparison.Ordinal);
        Assert.Contains("holds about 40 bits of entropy", Problem(_directory.WriteSecret("words", string.Concat(Enumerable.Repeat("abab", 10)))), StringComparison.Ordinal);
    }

    [Fact]
    public void GoodSettings_Pass()
    {
        var options = new NodeOptions { SecretFile = _directory.WriteSecret("secret", GoodSecret) };
        Assert.True(new NodeOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void EveryBadSetting_IsNamed_AtOnce()
    {
        var options = new NodeOptions
        {
            SecretFile = _directory.WriteSecret("short", "too short"),
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
            ["Replication:SecretFile"] = _directory.WriteSecret("secret", GoodSecret),
            ["Replication:Streaming:MaxBatchBytes"] = "10",
            ["Replication:Streaming:HeartbeatInterval"] = "00:00:02",
            ["Replication:AntiEntropy:RequestTimeout"] = "00:00:00",
            ["Replication:Bootstrap:MaxAttempts"] = "0",
            ["Replication:Snapshots:PieceBytes"] = "100",
            ["Replication:MaxValueBytes"] = "20000000",
            ["Replication:KeyValue:MaxConcurrentBatches"] = "0",
        }).Build();
        var options = configuration.GetSection(NodeOptions.Section).Get<NodeOptions>()!;
        Assert.Equal(TimeSpan.FromSeconds(2), options.Streaming.HeartbeatInterval);
        Assert.Equal(8192, options.Streaming.MaxBatchRecords); // what the section leaves out keeps its default

        var failures = new NodeOptionsValidator().Validate(null, options).Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("Replication:Streaming:MaxBatchBytes must be at least 4096", StringComparison.Ordinal));
        Assert.Contains("Replication:AntiEntropy:RequestTimeout must be positive, got 00:00:00", failures);
        Assert.Contains("Replication:Bootstrap:MaxAttempts must be at least 1, got 0", failures);
        Assert.Contains("Replication:Snapshots:PieceBytes must be between 4096 and 8388608, got 100", failures);
        Assert.Contains("Replication:KeyValue:MaxConcurrentBatches must be between 1 and 1024, got 0", failures);
        Assert.Contains(failures, f => f.StartsWith("Replication:Streaming:MaxFrameLength is 16777216, but a record with the largest key and a value of MaxValueBytes (20000000) needs a frame of 20065591", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDefaults_FitEveryRecordInOneFrame() =>
        Assert.True(new NodeOptionsValidator().Validate(null, new NodeOptions { SecretFile = _directory.WriteSecret("secret2", GoodSecret) }).Succeeded);

    public void Dispose() => _directory.Dispose();
}
