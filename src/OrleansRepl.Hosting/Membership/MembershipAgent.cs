using Microsoft.Extensions.Logging;

namespace OrleansRepl.Hosting.Membership;

/// <summary>Heartbeat and liveness settings, shared by every silo of a cluster.</summary>
public sealed record MembershipOptions
{
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A silo whose last heartbeat is older than this is dead.</summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> Validate() =>
        HeartbeatInterval <= TimeSpan.Zero || DeadAfter < 2 * HeartbeatInterval
            ? [$"HeartbeatInterval must be positive and DeadAfter at least two heartbeats, got {HeartbeatInterval} and {DeadAfter}"]
            : [];
}

/// <summary>
/// A silo's membership: join (refused while a live silo holds the node id), heartbeat every interval, declare
/// silent silos dead, and the moment this silo learns it was declared dead or superseded by a newer generation of
/// its node, call <c>fenced</c> so it stops its activations and workers at once.
/// </summary>
public sealed partial class MembershipAgent(IMembershipTable table, SiloAddress address, MembershipOptions options, Func<HeartbeatOutcome, Task> fenced, ILogger<MembershipAgent> logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>This silo's generation of its node id, once joined.</summary>
    public long Generation { get; private set; }

    /// <summary>Joins and becomes Active; throws <see cref="SiloFencedException"/> while the node id is held.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException($"invalid membership options: {string.Join("; ", problems)}");
        }

        Generation = (await table.JoinAsync(address, options.DeadAfter, cancellationToken)).Generation;
        await table.HeartbeatAsync(address.SiloId, SiloStatus.Active, cancellationToken);
        LogJoined(logger, address.SiloId, address.NodeId, Generation);
        _loop = HeartbeatAsync(_stop.Token);
    }

    /// <summary>Stops heartbeating and leaves the table (status Dead), so the node id can be taken again at once.</summary>
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        await StopHeartbeatsAsync();
        await table.LeaveAsync(address.SiloId, cancellationToken);
        LogLeft(logger, address.SiloId);
    }

    public async ValueTask DisposeAsync()
    {
        await StopHeartbeatsAsync();
        _stop.Dispose();
    }

    private async Task StopHeartbeatsAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _loop;
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    var outcome = await table.HeartbeatAsync(address.SiloId, SiloStatus.Active, cancellationToken);
                    if (outcome != HeartbeatOutcome.Alive)
                    {
                        LogFenced(logger, address.SiloId, address.NodeId, outcome);
                        await fenced(outcome);
                        return;
                    }

                    foreach (var dead in await table.DeclareDeadAsync(options.DeadAfter, cancellationToken))
                    {
                        LogDeclaredDead(logger, dead);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogHeartbeatFailed(logger, address.SiloId, e.Message); // the database may be back by the next tick
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "silo {Silo} joined as node {Node}, generation {Generation}")]
    private static partial void LogJoined(ILogger logger, string silo, string node, long generation);

    [LoggerMessage(EventId = 701, Level = LogLevel.Critical, Message = "silo {Silo} of node {Node} is {Outcome}: stopping its activations and workers now")]
    private static partial void LogFenced(ILogger logger, string silo, string node, HeartbeatOutcome outcome);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "declared silo {Silo} dead: its heartbeat is past the timeout")]
    private static partial void LogDeclaredDead(ILogger logger, string silo);

    [LoggerMessage(EventId = 704, Level = LogLevel.Information, Message = "silo {Silo} left the cluster")]
    private static partial void LogLeft(ILogger logger, string silo);

    [LoggerMessage(EventId = 703, Level = LogLevel.Warning, Message = "heartbeat of silo {Silo} failed: {Reason}")]
    private static partial void LogHeartbeatFailed(ILogger logger, string silo, string reason);
}
