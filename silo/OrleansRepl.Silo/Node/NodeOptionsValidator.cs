using Microsoft.Extensions.Options;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Silo.Node;

/// <summary>Checks the "Replication" settings at start-up; each failure names its configuration key and the reason.</summary>
public sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        void Check(bool ok, string key, string reason)
        {
            if (!ok)
            {
                problems.Add($"{NodeOptions.Section}:{key} {reason}");
            }
        }

        Check(options.DataDirectory.Length > 0, nameof(options.DataDirectory), "must name a directory");
        Check(options.ReplicaSet.Length is > 0 and <= 128 && !options.ReplicaSet.Contains('/', StringComparison.Ordinal), nameof(options.ReplicaSet), $"must be 1-128 characters without '/', got \"{options.ReplicaSet}\"");
        Check(options.ShardCount is >= 1 and <= 1024, nameof(options.ShardCount), $"must be 1-1024, got {options.ShardCount}");
        Check(options.Cluster.Length > 0, nameof(options.Cluster), "must be set");
        Check(options.SecretFile.Length > 0 && File.Exists(options.SecretFile), nameof(options.SecretFile), options.SecretFile.Length == 0 ? "must name the node-to-node secret file" : $"names no file: {options.SecretFile}");
        if (options.SecretFile.Length > 0 && File.Exists(options.SecretFile))
        {
            try
            {
                ClusterSecret.Load(options.SecretFile);
            }
            catch (InvalidOperationException e)
            {
                problems.Add($"{NodeOptions.Section}:{nameof(options.SecretFile)} {e.Message}");
            }
        }

        Check(options.Fsync is "always" or "interval" or "never", nameof(options.Fsync), $"must be \"always\", \"interval\" or \"never\", got \"{options.Fsync}\"");
        Check(options.SegmentRollBytes >= 4096, nameof(options.SegmentRollBytes), $"must be at least 4096, got {options.SegmentRollBytes}");
        Check(options.MaxClockSkewSeconds is >= 1 and <= 86_400, nameof(options.MaxClockSkewSeconds), $"must be between 1 and 86400, got {options.MaxClockSkewSeconds}");
        Check(options.ShardReopenSeconds is > 0 and <= 30, nameof(options.ShardReopenSeconds), $"must be above 0 and at most 30, got {options.ShardReopenSeconds}");
        Check(options.TopologyPollSeconds > 0, nameof(options.TopologyPollSeconds), $"must be positive, got {options.TopologyPollSeconds}");
        Check(options.FailedRetrySeconds > 0, nameof(options.FailedRetrySeconds), $"must be positive, got {options.FailedRetrySeconds}");
        Check(options.MaxValueBytes is >= 0 and <= (256 << 20), nameof(options.MaxValueBytes), $"must be between 0 and 268435456, got {options.MaxValueBytes}");
        Section(problems, nameof(options.Streaming), options.Streaming.Validate());
        Section(problems, nameof(options.AntiEntropy), options.AntiEntropy.Validate());
        Section(problems, nameof(options.Bootstrap), options.Bootstrap.Validate());
        Section(problems, nameof(options.Snapshots), options.Snapshots.Validate());
        Section(problems, nameof(options.KeyValue), options.KeyValue.Validate());
        var largestFrame = LargestRecordFrame(options.MaxValueBytes);
        Check(options.Streaming.MaxFrameLength >= largestFrame, $"{nameof(options.Streaming)}:{nameof(options.Streaming.MaxFrameLength)}",
            $"is {options.Streaming.MaxFrameLength}, but a record with the largest key and a value of MaxValueBytes ({options.MaxValueBytes}) needs a frame of {largestFrame}: raise it or lower MaxValueBytes");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    /// <summary>A sub-section's problems, each under its key (<c>Replication:Streaming:MaxBatchBytes must …</c>).</summary>
    private static void Section(List<string> problems, string section, IReadOnlyList<string> found) =>
        problems.AddRange(found.Select(problem => $"{NodeOptions.Section}:{section}:{problem}"));

    /// <summary>The frame that carries a batch of one record with the largest key and a value of <paramref name="maxValueBytes"/>.</summary>
    private static long LargestRecordFrame(int maxValueBytes)
    {
        const int frameType = 1, batchHeader = 8 + 4;
        return frameType + batchHeader + RecordCodec.MinimumRecordSize + (long)new StoreOptions().MaxKeyBytes + maxValueBytes;
    }
}
