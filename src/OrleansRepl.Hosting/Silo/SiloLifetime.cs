using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansRepl.Hosting.Membership;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.Hosting.Runtime;

namespace OrleansRepl.Hosting.Silo;

/// <summary>
/// Starts a silo in order: schema, then membership (refused while a live silo holds the node id), then grain
/// calls. Fenced (declared dead, or superseded by a newer generation of its node), it stops its activations at once
/// and stops the host. Stopping deactivates every activation (their state is already durable).
/// </summary>
public sealed partial class SiloLifetime(IOptions<SiloOptions> options, IGrainStorage storage, IMembershipTable membership, GrainRuntime runtime, IHostApplicationLifetime host, ILogger<SiloLifetime> logger, ILogger<MembershipAgent> agentLogger) : IHostedService
{
    private MembershipAgent? _agent;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var silo = options.Value;
        await storage.EnsureSchemaAsync(cancellationToken);
        var address = new SiloAddress(silo.SiloId, silo.NodeId, silo.Host, silo.ReplicationPort, silo.GatewayPort);
        var agent = new MembershipAgent(membership, address, new MembershipOptions
        {
            HeartbeatInterval = TimeSpan.FromSeconds(silo.HeartbeatIntervalSeconds),
            DeadAfter = TimeSpan.FromSeconds(silo.DeadAfterSeconds),
        }, FencedAsync, agentLogger);
        await agent.StartAsync(cancellationToken); // throws SiloFencedException: the host does not start
        _agent = agent;
        LogStarted(logger, silo.SiloId, silo.NodeId, agent.Generation, silo.Host, silo.GatewayPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await runtime.DisposeAsync(); // finish and deactivate every activation first: their state is written
        if (_agent is not null)
        {
            await _agent.LeaveAsync(cancellationToken);
            await _agent.DisposeAsync();
        }
    }

    private async Task FencedAsync(HeartbeatOutcome outcome)
    {
        LogFenced(logger, options.Value.SiloId, outcome);
        await runtime.DisposeAsync(); // no activation of this silo may serve another call
        host.StopApplication();
    }

    [LoggerMessage(EventId = 800, Level = LogLevel.Information, Message = "silo {Silo} of node {Node} (generation {Generation}) is up; gateway http://{Host}:{Port}")]
    private static partial void LogStarted(ILogger logger, string silo, string node, long generation, string host, int port);

    [LoggerMessage(EventId = 801, Level = LogLevel.Critical, Message = "silo {Silo} is {Outcome}: its activations are stopped and it shuts down")]
    private static partial void LogFenced(ILogger logger, string silo, HeartbeatOutcome outcome);
}
