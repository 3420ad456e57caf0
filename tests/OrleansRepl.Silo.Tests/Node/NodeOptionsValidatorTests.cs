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

    public void Dispose() => _directory.Dispose();
}
