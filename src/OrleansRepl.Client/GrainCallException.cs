namespace OrleansRepl.Client;

/// <summary>A grain call the silo answered with a failure: its exception type and message, the grain and the method.</summary>
public sealed class GrainCallException(int status, string type, string message, string grain, string method)
    : Exception($"{grain}.{method} failed on the silo ({type}, HTTP {status}): {message}")
{
    public int Status { get; } = status;

    public string Type { get; } = type;

    public string Grain { get; } = grain;

    public string Method { get; } = method;
}
