using OrleansRepl.Grains;
using OrleansRepl.Placement;

namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// Keeps a grain's internals from its callers. The answers a grain gives on purpose (a refused argument, a request
/// that does not fit the state, a node that is down, a cancellation) pass as they are; anything else is logged whole,
/// under a correlation id, and the caller gets a <see cref="ClusterInternalException"/> naming only the call and the id.
/// </summary>
public sealed partial class ClientErrorFilter(ILogger<ClientErrorFilter> logger) : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.Invoke();
        }
        catch (Exception e) when (!IsAnAnswer(e))
        {
            var id = ClusterInternalException.NewCorrelationId();
            var call = $"{context.InterfaceName}.{context.MethodName}";
            LogInternalError(logger, id, call, context.TargetId.ToString(), e);
            throw new ClusterInternalException(id, call);
        }
    }

    /// <summary>Exceptions grains throw as answers, or the runtime's own about reaching them; their messages are written for callers.</summary>
    private static bool IsAnAnswer(Exception e) =>
        e is ArgumentException or InvalidOperationException or NodeUnavailableException or NodeAlreadyRunningException or ClusterInternalException
            or OperationCanceledException or TimeoutException or SiloUnavailableException;

    [LoggerMessage(EventId = 900, Level = LogLevel.Error, Message = "error {CorrelationId}: {Call} on {Grain} failed; its caller was told only the id")]
    private static partial void LogInternalError(ILogger logger, string correlationId, string call, string grain, Exception exception);
}
