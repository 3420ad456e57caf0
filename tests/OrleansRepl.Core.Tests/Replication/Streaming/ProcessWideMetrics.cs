namespace OrleansRepl.Core.Tests.Replication.Streaming;

/// <summary>
/// Tests that read a process-wide meter run alone: a bootstrap test streaming 500 records beside them once made a
/// count of 5,000 read 5,500.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetrics
{
    public const string Name = "process-wide metrics";
}
