using OrleansRepl.Core.Replication.AntiEntropy;

namespace OrleansRepl.Silo.Workers;

/// <summary>One running anti-entropy loop with a peer: where it pulls from, how often, and its task.</summary>
internal sealed class AntiEntropyRun(AntiEntropyLoop loop, string address, double intervalSeconds, CancellationTokenSource stop, Task task) : WorkerRun(stop, task)
{
    public AntiEntropyLoop Loop { get; } = loop;

    public string Address { get; } = address;

    public double IntervalSeconds { get; } = intervalSeconds;
}
